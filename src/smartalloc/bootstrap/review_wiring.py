"""Manual review's wiring (issue K): the audited actions, the review list, the seats a page
shows and the versions of a run's export after review — a part of ``System`` (the composition
root, ``smartalloc.bootstrap``) kept in its own module so the root stays readable."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from smartalloc.service_layer import review

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from smartalloc.adapters.db.review_exports import SqlReviewExportStore
    from smartalloc.adapters.db.review_store import SqlReviewStore
    from smartalloc.adapters.db.seats_view import SeatsView
    from smartalloc.adapters.db.store import SqlStore
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.domain.policy import Policy
    from smartalloc.domain.review import ReviewChange, ReviewRequest
    from smartalloc.domain.review_export import ExportVersion
    from smartalloc.domain.review_list import ReviewItem
    from smartalloc.service_layer.ports import InputPaths


class ReviewWiring:
    """``System``'s review part; it uses the system's history, reader and event key."""

    history: SqlStore
    reader: ExcelInputReader
    event_key: bytes

    @property
    def engine(self) -> Engine:
        return self.history.engine

    def review(self) -> SqlReviewStore:
        """Manual review's actions and audit (issue K), with the outbox when there is one."""
        from smartalloc.adapters.db.review_store import SqlReviewStore

        return SqlReviewStore(self.engine, outbox=self.history.outbox)

    def review_action(self, request: ReviewRequest, paths: InputPaths, policy: Policy, *,
                      admin: bool, year: int | None = None,
                      overrides: dict[str, bool] | None = None) -> ReviewChange:
        return review.act_on_inputs(request, paths, policy, reader=self.reader,
                                    history=self.history, store=self.review(),
                                    event_key=self.event_key, admin=admin, year=year,
                                    overrides=overrides)

    def review_flag(self, request: ReviewRequest) -> ReviewChange:
        """Flag a student for review or clear its flag (``request.action`` flag/unflag)."""
        return review.flag(request, self.review())

    def seats_now(self) -> SeatsView:
        """Mentors' seats now, read without the run lock (the review page's candidate list)."""
        from smartalloc.adapters.db.seats_view import SeatsView

        return SeatsView(self.engine)

    def review_list(self, policy: Policy, *, run_id: str | None = None,
                    kind: str | None = None, include_resolved: bool = False
                    ) -> list[ReviewItem]:
        """The review list (issue K) of one run, or across runs (``run_id`` None); placeholder
        mentors by ``policy``'s patterns and ranges."""
        from smartalloc.adapters.db.review_list_store import SqlReviewList
        from smartalloc.adapters.kept_decisions import KeptDecisions
        from smartalloc.service_layer.review_list import review_list

        return review_list(SqlReviewList(self.engine, KeptDecisions), policy.virtual_mentors,
                           run_id=run_id, kind=kind, include_resolved=include_resolved)

    def review_exports(self) -> SqlReviewExportStore:
        """The versions of runs' exports after review (issue K)."""
        from smartalloc.adapters.db.review_exports import SqlReviewExportStore

        return SqlReviewExportStore(self.engine)

    def export_after_review(self, run_id: str, paths: InputPaths, policy: Policy, *, by: str,
                            at: str, root: Path | None = None,
                            overrides: dict[str, bool] | None = None) -> ExportVersion:
        """The next version of ``run_id``'s ImportToSabt, its delta and QA (issue K)."""
        from smartalloc.adapters.review_export_files import VersionFolders
        from smartalloc.service_layer.review_export import export_version

        return export_version(run_id, paths, policy, reader=self.reader, history=self.history,
                              store=self.review_exports(), publisher=VersionFolders(root),
                              by=by, at=at, overrides=overrides)
