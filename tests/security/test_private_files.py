"""Finding 8 of issue I (files): the database, workbooks, explanations and crash logs were
created 0644 — readable by every account of the machine. Now the processes make them 0600 and
their folders 0700."""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def test_a_cli_run_makes_only_private_files(small_agency, tmp_path):
    env = {**os.environ, "SMARTALLOC_DATA_DIR": str(tmp_path / "data-home")}
    db, out = tmp_path / "h.sqlite", tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "smartalloc.entrypoints.cli", "run", "--agency",
                           str(small_agency.out_dir), "--out", str(out), "--database-url",
                           f"sqlite:///{db}"], capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    made = [db, *out.rglob("*")]
    assert len(made) > 5
    for path in made:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_symlink():
            continue
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is {oct(mode)}"
