"""What a backup claims to hold, written beside it as ``<backup>.manifest.json``.

A checksum alone proves the file is the one that was written; it cannot prove the file holds
the database. The manifest therefore also records the schema revision, every table's row count
and the registration counters' heads *of the snapshot itself* (not of the live database, which
moves on while the backup runs), so ``verify`` can restore the file somewhere harmless and
compare. Nothing in it is personal data: table names, counts, counter heads and a hash.
Pure: no I/O, so the comparison is unit-tested on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

FORMAT = "smartalloc-backup/1"
MANIFEST_SUFFIX = ".manifest.json"
ENGINES = ("sqlite", "postgresql")
ENCRYPTIONS = (None, "age-x25519")

BOOKKEEPING = frozenset({"alembic_version"})
CounterHead = tuple[int, str, int]   # (year, middle code, highest sequence issued)


@dataclass(frozen=True)
class DatabaseFacts:
    """The comparable state of a database: enough to tell a faithful restore from a wrong one
    without reading (or printing) a single student."""

    schema_revision: str | None
    tables: dict[str, int]
    counters: tuple[CounterHead, ...]

    def differences(self, other: DatabaseFacts) -> list[str]:
        """How ``other`` (what was found) differs from ``self`` (what was expected), one line
        per difference, bilingual-neutral (names and numbers only)."""
        diffs: list[str] = []
        if self.schema_revision != other.schema_revision:
            diffs.append(f"schema {self.schema_revision} != {other.schema_revision}")
        for name in sorted(set(self.tables) | set(other.tables)):
            want, got = self.tables.get(name), other.tables.get(name)
            if want != got:
                diffs.append(f"{name}: {_rows(want)} != {_rows(got)}")
        if self.counters != other.counters:
            diffs.append(f"counters {list(self.counters)} != {list(other.counters)}")
        return diffs

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def non_empty(self) -> dict[str, int]:
        """The tables that hold data: what a restore would replace (the schema's version
        row alone is not data — a database just made by `db upgrade` is empty)."""
        return {name: n for name, n in sorted(self.tables.items())
                if n and name not in BOOKKEEPING}


def _rows(n: int | None) -> str:
    return "missing" if n is None else f"{n} rows"


@dataclass(frozen=True)
class Manifest:
    """One backup file's description; ``sha256`` and ``size`` are of the file as stored
    (encrypted or not), so the checksum can be checked without the decryption key."""

    engine: str
    file: str
    sha256: str
    size: int
    created_at: str
    facts: DatabaseFacts
    encryption: str | None = None
    smartalloc_version: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "engine": self.engine, "file": self.file,
            "sha256": self.sha256, "size": self.size, "created_at": self.created_at,
            "encryption": self.encryption, "smartalloc_version": self.smartalloc_version,
            "schema_revision": self.facts.schema_revision, "tables": self.facts.tables,
            "counters": [list(c) for c in self.facts.counters], **self.extra,
        }, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse and validate; raises ``ValueError`` naming the first bad field."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        known = {"format", "engine", "file", "sha256", "size", "created_at", "encryption",
                 "smartalloc_version", "schema_revision", "tables", "counters"}
        try:
            engine, sha, size = data["engine"], data["sha256"], data["size"]
            tables, counters = data["tables"], data["counters"]
            if engine not in ENGINES:
                raise ValueError(f"engine {engine!r}")
            if data.get("encryption") not in ENCRYPTIONS:
                raise ValueError(f"encryption {data.get('encryption')!r}")
            if not (isinstance(sha, str) and len(sha) == 64 and
                    all(c in "0123456789abcdef" for c in sha)):
                raise ValueError("sha256")
            if not isinstance(size, int) or size < 0:
                raise ValueError("size")
            if not (isinstance(tables, dict) and
                    all(isinstance(n, int) and n >= 0 for n in tables.values())):
                raise ValueError("tables")
            heads = _heads(counters)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"missing or malformed field ({exc})") from exc
        return cls(engine=engine, file=str(data["file"]), sha256=sha, size=size,
                   created_at=str(data.get("created_at", "")),
                   facts=DatabaseFacts(data.get("schema_revision"), dict(tables), heads),
                   encryption=data.get("encryption"),
                   smartalloc_version=str(data.get("smartalloc_version", "")),
                   extra={k: v for k, v in data.items() if k not in known})


def _heads(counters) -> tuple[CounterHead, ...]:
    try:
        return tuple((int(y), str(m), int(s)) for y, m, s in counters)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"malformed counters ({exc})") from exc


def backup_name(engine: str, stamp: str, *, encrypted: bool) -> str:
    """``smartalloc-sqlite-20260101T010000Z.sqlite[.age]``: sortable by time, the engine and
    the format visible in the name (``.pgdump`` is pg_dump's custom format)."""
    extension = {"sqlite": "sqlite", "postgresql": "pgdump"}[engine]
    return f"smartalloc-{engine}-{stamp}.{extension}" + (".age" if encrypted else "")
