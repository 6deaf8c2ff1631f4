"""Words of the agency set-up page (issue G), in the operators' Persian and in English; merged
into ``i18n.MESSAGES``."""

from __future__ import annotations

SETUP_MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "nav.setup": "راه‌اندازی نمایندگی",
        "setup.title": "راه‌اندازی نمایندگی: مرکز هر مدیر و سال تحصیلی",
        "setup.why": "مرکز (مرکزی، گلستان، صدرا) فقط از نام مدیر در گزارش پشتیبان‌ها معلوم می‌شود. "
                     "تا مرکز همهٔ مدیران تعیین نشود، تخصیص انجام نمی‌شود.",
        "setup.current": "نسخهٔ {v}، ذخیره‌شده به‌دست {by} در {at}، سال تحصیلی {year}",
        "setup.none": "هنوز پروفایلی برای نمایندگی ذخیره نشده است.",
        "setup.no_report": "ابتدا فایل اکسل گزارش پشتیبان‌ها را در صفحهٔ «اجرای تخصیص» بارگذاری کنید؛ "
                           "فهرست مدیران از همان فایل خوانده می‌شود.",
        "setup.report": "مدیران آخرین گزارش پشتیبان‌های بارگذاری‌شده: {name}",
        "setup.manager": "مدیر", "setup.mentors": "تعداد پشتیبان", "setup.centre": "مرکز",
        "setup.how": "وضعیت فعلی",
        "setup.how.map": "تعیین شده", "setup.how.default": "مرکز پیش‌فرض",
        "setup.how.unresolved": "تعیین نشده",
        "setup.year": "سال تحصیلی",
        "setup.year.evidence": "از روی کدهای ثبت نام: {roster}؛ از روی تاریخ نام فایل: {files}",
        "setup.year.unsure": "این دو با هم نمی‌خوانند؛ سال درست را وارد کنید.",
        "setup.reason": "دلیل تغییر (در سابقه می‌ماند)",
        "setup.save": "ذخیرهٔ پروفایل نمایندگی",
        "setup.saved": "نسخهٔ {v} پروفایل نمایندگی ذخیره شد؛ از اجرای بعدی به کار می‌رود.",
        "setup.versions": "نسخه‌های پیشین",
        "setup.version": "نسخه", "setup.by": "به‌دست", "setup.at": "زمان",
        "centre.0": "مرکزی", "centre.1": "گلستان", "centre.2": "صدرا",
        "unknown": "نامعلوم",
    },
    "en": {
        "nav.setup": "Agency set-up",
        "setup.title": "Agency set-up: each manager's centre and the academic year",
        "setup.why": "The centre (central, Golestan, Sadra) is known only from the manager's name "
                     "in the mentors' report. No allocation runs until every manager has one.",
        "setup.current": "Version {v}, saved by {by} at {at}, academic year {year}",
        "setup.none": "No agency profile has been saved yet.",
        "setup.no_report": "First upload the mentors' report (InspactorReport) on the Run page; "
                           "the managers are read from it.",
        "setup.report": "Managers of the last uploaded mentors' report: {name}",
        "setup.manager": "Manager", "setup.mentors": "Mentors", "setup.centre": "Centre",
        "setup.how": "Now",
        "setup.how.map": "set", "setup.how.default": "default centre",
        "setup.how.unresolved": "not set",
        "setup.year": "Academic year",
        "setup.year.evidence": "from the registration codes: {roster}; from the file name's "
                               "date: {files}",
        "setup.year.unsure": "These disagree; enter the right year.",
        "setup.reason": "Reason for the change (kept in the history)",
        "setup.save": "Save the agency profile",
        "setup.saved": "Version {v} of the agency profile was saved; the next run uses it.",
        "setup.versions": "Earlier versions",
        "setup.version": "Version", "setup.by": "By", "setup.at": "At",
        "centre.0": "Central", "centre.1": "Golestan", "centre.2": "Sadra",
        "unknown": "unknown",
    },
}
