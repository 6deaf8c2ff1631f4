"""Live intake's wiring (issue L): the stored Gravity Forms entries, their sources' secrets,
the queue's export for the batch, the live students' ImportToSabt and allocation on arrival —
a part of ``System`` (the composition root, ``smartalloc.bootstrap``) kept in its own module
so the root stays readable."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from smartalloc.adapters.config_file import configured
from smartalloc.domain.key_strength import check_secret

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from smartalloc.adapters.db.intake_store import SqlIntakeEntries
    from smartalloc.adapters.db.store import SqlStore
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.domain.policy import Policy
    from smartalloc.service_layer.intake import AllocateNow
    from smartalloc.service_layer.ports import InputPaths
    from smartalloc.service_layer.service_ports import JobBook


class IntakeWiring:
    """``System``'s intake part; it uses the system's history (database and outbox)."""

    history: SqlStore
    reader: ExcelInputReader
    event_key: bytes

    def intake(self) -> SqlIntakeEntries:
        """Live Gravity Forms entries (issue L), with the outbox when there is one."""
        from smartalloc.adapters.db.intake_store import SqlIntakeEntries

        return SqlIntakeEntries(self.history.engine, outbox=self.history.outbox)

    @staticmethod
    def intake_secrets(policy: Policy) -> dict[str, bytes]:
        """Each intake source's secret, from the variable its policy entry names (or that name
        in lower case in smartalloc.toml): the policy file holds references, never secrets.
        A missing or guessable one stops the start-up, named, never printed."""
        secrets = {}
        for name, source in policy.intake.sources.items():
            value = configured(source.secret_env, source.secret_env.lower()) or ""
            check_secret(source.secret_env, value)
            secrets[name] = value.encode()
        return secrets

    def export_intake(self, out: Path, *, at: str, include_exported: bool = False) -> int:
        """The queued live entries as a student report (sheet Sabt (5)) for the next batch."""
        from smartalloc.adapters.xlsx_writer import Sheet, write_workbook
        from smartalloc.domain.contracts import STUDENT_COLUMNS, STUDENT_SHEET
        from smartalloc.service_layer.intake import export_queued

        def write(path: Path, rows: list[tuple[str, ...]]) -> None:
            write_workbook(path, [Sheet(STUDENT_SHEET, STUDENT_COLUMNS, rows)])

        return export_queued(self.intake(), write, out, at=at, include_exported=include_exported)

    def export_intake_sabt(self, out: Path, policy: Policy, *, at: str,
                           include_exported: bool = False) -> int:
        """The students allocated on arrival as an ImportToSabt workbook (issue L)."""
        from smartalloc.adapters.sabt_workbook import write_sabt_workbook
        from smartalloc.service_layer.intake import export_allocated

        return export_allocated(self.intake(),
                                lambda path, sabt: write_sabt_workbook(path, sabt, policy), out,
                                policy, at=at, include_exported=include_exported)

    def live_allocation(self, policy: Policy, jobs: JobBook,
                        paths_of: Callable[[Mapping[str, str]], InputPaths]) -> AllocateNow:
        """Mode "now" (issue L): entries allocated on arrival against the latest run's basis."""
        from smartalloc.adapters.db.live_store import SqlLiveAllocations
        from smartalloc.service_layer.live_basis import LiveBases
        from smartalloc.service_layer.live_intake import allocator

        bases = LiveBases(policy, jobs=jobs, reader=self.reader, history=self.history,
                          paths_of=paths_of)
        return allocator(bases, SqlLiveAllocations(self.history.engine,
                                                   outbox=self.history.outbox),
                         self.event_key)
