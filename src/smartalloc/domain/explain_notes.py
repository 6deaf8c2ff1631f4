"""What an explanation says beside the stage funnel (issue J, "the operator's experience"):
why a restricted mentor was left out, where a kept registration code came from, every row of
a national id repeated in the student report, and the suggested action of an unallocated
student. Each text comes in Persian and English and names rows, files, runs, schools and
channels — never a national id, a name or a phone.

Both explanation paths use these functions — the replay (``explain``) and the run's kept file
(``explain_file``) — so they keep saying the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from smartalloc.domain import glossary
from smartalloc.domain.batch import STUDENT_REPORT
from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.records import HistoryEntry, RosterEntry, StudentRecord


class Reason(str):
    """A why-not reason: the Persian text itself (what the API always sent as ``reason_fa``),
    with a stable ``code`` and its English twin ``en``. A ``str`` so every caller that
    compares or prints the Persian reason keeps working."""

    code: str
    en: str

    def __new__(cls, code: str, fa: str, en: str) -> Reason:
        reason = super().__new__(cls, fa)
        reason.code, reason.en = code, en
        return reason

    def as_dict(self, mentor_id: str) -> dict:
        return {"mentor_id": mentor_id, "reason_fa": str(self), "reason_en": self.en,
                "reason_code": self.code}


Restriction = tuple[tuple[int, ...], tuple[str, ...]]   # (allowed schools, allowed channels)


def _listed(values: Iterable[object], joiner: str) -> str:
    return joiner.join(str(v) for v in values)


def restriction_reason(restriction: Restriction | None, school: int, channel: str,
                       why: str = "") -> Reason | None:
    """The restriction that keeps a restricted mentor from this student (school ``school``,
    channel ``channel``), or None when it allows the student. ``why``: the governance reason
    stored with the status, shown as it was given."""
    if restriction is None:
        return None
    schools, channels = restriction
    fa, en = [], []
    if schools and school not in schools:
        fa.append(f"فقط مدرسه‌های {_listed(schools, '، ')} را می‌پذیرد و مدرسهٔ این دانش‌آموز "
                  f"{school or 'ندارد (۰)'} است")
        en.append(f"it takes only schools {_listed(schools, ', ')} and the student's school is "
                  f"{school or 'none (0)'}")
    if channels and channel not in channels:
        # Channels in the operators' words (glossary), never the codes SCHOOL/SADRA/GENERIC.
        fa.append(f"فقط کانال‌های {_listed(_words(channels, 'fa'), '، ')} را می‌پذیرد و کانال "
                  f"این دانش‌آموز «{glossary.fa(glossary.CHANNELS, channel)}» است")
        en.append(f"it takes only channels {_listed(_words(channels, 'en'), ', ')} and the "
                  f"student's channel is {glossary.en(glossary.CHANNELS, channel)}")
    if not fa:
        return None
    note_fa, note_en = (f" ({why})", f" ({why})") if why else ("", "")
    return Reason("RESTRICTED",
                  f"این پشتیبان محدودشده است: {'؛ '.join(fa)}{note_fa}",
                  f"the mentor is restricted: {'; '.join(en)}{note_en}")


def _words(channels, lang: str) -> list[str]:
    return [glossary.word(glossary.CHANNELS, c, lang) for c in channels]


@dataclass(frozen=True, slots=True)
class CodeOrigin:
    """Where a reused registration code was found: the roster (row), an earlier run (its
    id) or the student report's own code column (row). ``file`` is kept as data only: in a
    service run it is the server's name for the upload, not the operator's."""

    source: str            # "roster", "history" or "student_report"
    file: str = ""
    row: int | None = None
    run_id: str = ""

    @property
    def fa(self) -> str:
        if self.source == "history":
            return f"کد ثبت‌نام از تخصیص یک اجرای پیشین حفظ شد (اجرای {self.run_id[:12]})"
        where = f"، ردیف {self.row}" if self.row else ""
        if self.source == "student_report":
            return f"کد ثبت‌نامِ نوشته‌شده در گزارش دانش‌آموزان حفظ شد{where}"
        return f"کد ثبت‌نام از فهرست سوابق (roster) حفظ شد{where}"

    @property
    def en(self) -> str:
        if self.source == "history":
            return f"the registration code was kept from an earlier run (run {self.run_id[:12]})"
        where = f", row {self.row}" if self.row else ""
        if self.source == "student_report":
            return f"the registration code typed in the student report was kept{where}"
        return f"the registration code was kept from the roster{where}"

    def as_dict(self) -> dict:
        return {"source": self.source, "file": self.file, "row": self.row,
                "run_id": self.run_id, "text_fa": self.fa, "text_en": self.en}


def code_origins(decision: Decision, roster: Sequence[RosterEntry],
                 history: Sequence[HistoryEntry],
                 student: StudentRecord | None = None) -> tuple[CodeOrigin, ...]:
    """Every place the student's reused code was read from (roster, earlier runs, the student
    report), in that order; () when the code was not reused."""
    if not decision.code_reused or not decision.code:
        return ()
    code, nid = decision.code, decision.national_id
    found = [CodeOrigin("student_report" if e.source == STUDENT_REPORT else "roster",
                        "" if e.source == STUDENT_REPORT else e.source, e.row)
             for e in roster if e.code == code and e.national_id == nid]
    found += [CodeOrigin("history", run_id=h.run_id) for h in history
              if h.code == code and h.national_id == nid]
    if student is not None and code in student.prior_codes:
        found.append(CodeOrigin("student_report", row=student.row))
    return tuple(dict.fromkeys(found))


def origins_by_student(decisions: Sequence[Decision], students: Sequence[StudentRecord],
                       roster: Sequence[RosterEntry], history: Sequence[HistoryEntry]
                       ) -> dict[str, tuple[CodeOrigin, ...]]:
    """``code_origins`` of every reused code of a run (indexed once, not per student)."""
    reused = {d.national_id for d in decisions if d.code_reused}
    if not reused:
        return {}
    near_roster = [e for e in roster if e.national_id in reused]
    near_history = [h for h in history if h.national_id in reused]
    return {d.national_id: code_origins(d, near_roster, near_history, students[d.index])
            for d in decisions if d.code_reused}


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One row of the student report holding the explained national id."""

    row: int
    kept: bool
    outcome: str
    failure: str
    mentor_id: str
    note_fa: str
    note_en: str

    def as_dict(self) -> dict:
        return {"row": self.row, "kept": self.kept, "outcome": self.outcome,
                "failure": self.failure, "mentor_id": self.mentor_id,
                "note_fa": self.note_fa, "note_en": self.note_en}


def _row_note(decision: Decision, first_row: int, kept: bool) -> tuple[str, str]:
    if kept:
        return ("ردیف نخستِ این کد ملی؛ همین ردیف بررسی و تصمیم‌گیری شد و ردیف‌های بعدی تکرار "
                "آن به شمار آمدند",
                "the first row of this national id: this row was decided, the later ones "
                "count as its repeats")
    if decision.failure == FailureClass.DUPLICATE and not decision.allocated_before:
        return (f"تکرار ردیف {first_row}؛ هر کد ملی یک بار تخصیص می‌یابد، پس این ردیف کنار "
                "گذاشته شد",
                f"repeats row {first_row}: a national id is allocated once, so this row was "
                "set aside")
    return decision.reason_fa, ""


def report_rows(national_id: str, students: Sequence[StudentRecord],
                decisions: Sequence[Decision]) -> tuple[ReportRow, ...]:
    """Every row of the report with this national id, which was kept and why the others were
    not; () when the id is on one row only."""
    mine = [d for d in decisions if d.national_id == national_id]
    return rows_of(mine, students) if len(mine) > 1 else ()


def rows_by_student(students: Sequence[StudentRecord],
                    decisions: Sequence[Decision]) -> dict[str, tuple[ReportRow, ...]]:
    """``report_rows`` of every national id on more than one row (one pass over the run)."""
    groups: dict[str, list[Decision]] = {}
    for d in decisions:
        groups.setdefault(d.national_id, []).append(d)
    return {nid: rows_of(ds, students) for nid, ds in groups.items() if len(ds) > 1 and nid}


def rows_of(decisions: Sequence[Decision], students: Sequence[StudentRecord]
            ) -> tuple[ReportRow, ...]:
    ordered = sorted(decisions, key=lambda d: d.index)
    first_row = students[ordered[0].index].row
    out = []
    for position, d in enumerate(ordered):
        kept = position == 0 and d.failure != FailureClass.DATA_MISSING
        fa, en = _row_note(d, first_row, kept)
        out.append(ReportRow(students[d.index].row, kept, str(d.outcome),
                             "" if d.failure is None else str(d.failure), d.mentor_id, fa,
                             en or fa))
    return tuple(out)


# English of the suggested actions the run writes (``Decision.action_fa``: ``failure_text``
# and the dedupe/data checks of ``batch``). A text missing here is shown in Persian.
_ACTIONS_EN: Mapping[str, str] = {
    "افزایش «تعداد تحت پوشش خاص» یکی از پشتیبان‌های واجد شرایط یا افزودن پشتیبان جدید "
    "(برنامه ظرفیت را ببینید)":
        "raise «تعداد تحت پوشش خاص» (special capacity) of an eligible mentor or add a new "
        "mentor (see the capacity plan)",
    "بررسی گروه‌های آزمایشی، جنسیت، مرکز و مدارس پشتیبان‌ها در گزارش Inspactor یا "
    "تعریف پشتیبان جدید برای این ترکیب":
        "check the mentors' groups, gender, centre and schools in the InspactorReport, or "
        "define a new mentor for this combination",
    "اصلاح کد ملی در گزارش دانش‌آموزان": "correct the national id in the student report",
    "نیازی به تخصیص دوباره نیست؛ سابقه را بررسی کنید":
        "no new allocation is needed; check the student's history",
    "تکمیل یا اصلاح ستون‌های کلیدی در گزارش دانش‌آموزان":
        "fill in or correct the key columns in the student report",
}


def suggested_action(decision: Decision) -> dict[str, str] | None:
    """The suggested action of an unallocated student: the Persian is ``action_fa``, the very
    field the allocation workbook's «unallocated» sheet writes as ``suggested_action``
    (``allocation_report.allocation_tables``), so the two never disagree."""
    if decision.outcome == Outcome.ALLOCATED or not decision.action_fa:
        return None
    return {"fa": decision.action_fa, "en": _ACTIONS_EN.get(decision.action_fa, "")}
