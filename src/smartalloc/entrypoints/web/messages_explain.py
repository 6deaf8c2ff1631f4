"""Words of the explain page's notes (issue J): the suggested action of an unallocated student,
where a reused registration code came from, and every row of a repeated national id; merged
into ``i18n.MESSAGES``. The notes' own sentences come from the domain in both languages."""

from __future__ import annotations

EXPLAIN_MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "exp.action": "اقدام پیشنهادی", "exp.code_origin": "منشأ کد ثبت‌نام",
        "exp.rows": "ردیف‌های این کد ملی در گزارش دانش‌آموزان",
        "exp.rows.intro": "این کد ملی در چند ردیف آمده است؛ فقط یکی بررسی شد:",
        "exp.row": "ردیف", "exp.row.state": "وضعیت", "exp.row.note": "توضیح",
        "exp.row.kept": "نگه داشته شد", "exp.row.repeat": "کنار گذاشته شد",
    },
    "en": {
        "exp.action": "Suggested action", "exp.code_origin": "Registration code from",
        "exp.rows": "Rows of this national id in the student report",
        "exp.rows.intro": "This national id is on several rows; only one was decided:",
        "exp.row": "Row", "exp.row.state": "State", "exp.row.note": "Note",
        "exp.row.kept": "kept", "exp.row.repeat": "set aside",
    },
}
