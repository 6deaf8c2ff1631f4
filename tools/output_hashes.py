"""Hash what a run produces, to prove a refactoring changed nothing (issue Q: "outputs
byte-identical before and after, at 1k, 10k, 100k").

For each size: a seeded synthetic agency, one ``smartalloc run`` on a fresh SQLite history,
then the SHA-256 of every visible workbook and of the decisions kept in ``explain.sqlite``
(its rows, not its bytes: SQLite's page layout is not part of the contract).

    .venv/bin/python tools/output_hashes.py --work /tmp/hashes 1000 10000 > before.txt
    ... change the code ...
    .venv/bin/python tools/output_hashes.py --work /tmp/hashes 1000 10000 > after.txt
    diff before.txt after.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _agency(work: Path, students: int) -> Path:
    agency = work / f"agency-{students}"
    if not (agency / "policy.json").exists():
        mentors = max(20, students // 50)
        extra = []
        if students > 9_999 * 2:   # as the pipeline benchmark: 5-digit sequences at 100k
            from smartalloc.adapters.policy_file import load_policy

            data = load_policy(None).model_dump(mode="json")
            data["counters"]["sequence_digits"] = 5
            policy = work / f"policy-{students}.json"
            policy.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
            extra = ["--policy", policy]
        subprocess.run([BIN / "smartalloc", "generate", "--out", agency, "--students",
                        str(students), "--mentors", str(mentors), *extra], check=True,
                       stdout=subprocess.DEVNULL)
    return agency


def _decisions_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def hashes(work: Path, students: int) -> dict[str, str]:
    agency = _agency(work, students)
    out, db = work / f"out-{students}", work / f"history-{students}.sqlite"
    shutil.rmtree(out, ignore_errors=True)
    db.unlink(missing_ok=True)
    subprocess.run([BIN / "smartalloc", "run", "--agency", agency, "--out", out,
                    "--database-url", f"sqlite:///{db}"], check=True,
                   stdout=subprocess.DEVNULL)
    result = {}
    for path in sorted(out.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix == ".sqlite":
            result[f"{path.name} (rows)"] = _decisions_hash(path)
        else:
            result[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--work", type=Path, default=Path("/tmp/smartalloc-hashes"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for students in args.sizes:
        for name, digest in hashes(args.work, students).items():
            print(f"{students}\t{name}\t{digest}", flush=True)


if __name__ == "__main__":
    main()
