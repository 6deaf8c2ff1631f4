"""Words of the run page's kept uploads (issue J): a slot whose file was accepted keeps it when
another slot fails, and says so; merged into ``i18n.MESSAGES``. The upload problems' own
sentences (size limit, a report in the wrong slot) come from the upload handler in both
languages."""

from __future__ import annotations

UPLOAD_MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "run.kept": "پذیرفته شد و نگه داشته می‌شود",
        "run.kept.replace": "برای جایگزینی، فایل دیگری انتخاب کنید.",
        "run.kept.forget": "این فایل را کنار بگذار",
        "run.kept.note": "فایل‌های پذیرفته‌شده نگه داشته شدند؛ فقط موارد نادرست را دوباره انتخاب کنید.",
    },
    "en": {
        "run.kept": "accepted and kept",
        "run.kept.replace": "To replace it, choose another file.",
        "run.kept.forget": "Drop this file",
        "run.kept.note": "The accepted files were kept; choose again only the ones marked wrong.",
    },
}
