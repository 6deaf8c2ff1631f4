"""The UI's two languages: Persian (default, right-to-left) and English; Jalali dates.

A message missing in English falls back to Persian, so a page is never blank.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import jdatetime
from fastapi import Request

from smartalloc.domain import glossary
from smartalloc.entrypoints.clock import tehran
from smartalloc.entrypoints.web.messages_account import ACCOUNT_MESSAGES
from smartalloc.entrypoints.web.messages_explain import EXPLAIN_MESSAGES
from smartalloc.entrypoints.web.messages_progress import PROGRESS_MESSAGES
from smartalloc.entrypoints.web.messages_setup import SETUP_MESSAGES
from smartalloc.entrypoints.web.messages_uploads import UPLOAD_MESSAGES
from smartalloc.entrypoints.web.messages_whatif import WHATIF_MESSAGES

LANGS = ("fa", "en")
LANG_COOKIE = "smartalloc_lang"
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

MESSAGES: dict[str, dict[str, str]] = {
    "fa": {
        "app": "اسمارت‌الوک — تخصیص پشتیبان",
        "skip": "پرش به محتوای اصلی",
        "nav.run": "اجرای تخصیص", "nav.jobs": "نتایج اجراها", "nav.students": "جستجوی دانش‌آموز",
        "nav.mentors": "پشتیبان‌ها", "nav.history": "سوابق", "nav.logout": "خروج",
        "nav.main": "منوی اصلی", "lang.switch": "English", "role": "نقش",
        "role.admin": "مدیر سامانه", "role.operator": "کارشناس", "role.viewer": "بیننده",
        "login.title": "ورود به سامانه", "login.username": "نام کاربری",
        "login.password": "گذرواژه", "login.submit": "ورود",
        "login.failed": "نام کاربری یا گذرواژه نادرست است.",
        "login.expired": "نشست شما پایان یافته است؛ دوباره وارد شوید.",
        "run.title": "اجرای تخصیص", "run.files": "گزارش‌های ورودی",
        "run.drop": "فایل را اینجا رها کنید یا برای انتخاب کلیک کنید",
        "run.required": "الزامی", "run.optional": "اختیاری",
        "run.role.inspactor": "گزارش پشتیبان‌ها (InspactorReport)",
        "run.role.schools": "گزارش مدارس (SchoolReport)",
        "run.role.students": "گزارش دانش‌آموزان (StudentReport)",
        "run.role.managers": "گزارش مدیران (ManagerReport)",
        "run.role.crosswalk": "جدول تطبیق (Crosswalk)",
        "run.role.roster": "فهرست سوابق (roster)",
        "run.policy": "سیاست تخصیص", "run.year": "سال تحصیلی",
        "run.year.default": "پیش‌فرض سیاست", "run.overrides": "استثناهای این اجرا",
        "run.overrides.none": "استثنایی انتخاب نشده است (از صفحه پشتیبان‌ها انتخاب کنید).",
        "run.start": "شروع اجرا", "run.uploading": "در حال بارگذاری و بررسی فایل‌ها…",
        "run.missing": "این فایل الزامی است.", "run.errors": "فایل‌ها پذیرفته نشدند",
        "run.bad_year": "سال باید عددی بین ۱۳۰۰ و ۱۵۰۰ باشد.",
        "override.on": "فعال در این اجرا", "override.off": "غیرفعال در این اجرا",
        "override.none": "بدون استثنا",
        "jobs.title": "نتایج اجراها", "jobs.none": "هنوز اجرایی ثبت نشده است.",
        "jobs.created": "زمان ثبت", "jobs.by": "کاربر", "jobs.state": "وضعیت",
        "jobs.open": "مشاهده",
        "state.queued": "در صف", "state.running": "در حال اجرا", "state.succeeded": "انجام شد",
        "state.failed": "ناموفق",
        "stage.queued": "در صف", "stage.read": "خواندن فایل‌ها", "stage.matrix": "ساخت ماتریس",
        "stage.allocate": "تخصیص", "stage.reports": "گزارش‌ها", "stage.write": "نوشتن فایل‌های اکسل",
        "stage.history": "ثبت در سوابق", "stage.done": "پایان",
        "job.title": "اجرای تخصیص", "job.progress": "پیشرفت", "job.failed": "اجرا ناموفق بود",
        "job.poll_error": "وضعیت اجرا دریافت نشد؛ دوباره تلاش می‌شود.",
        "res.students": "دانش‌آموزان", "res.allocated": "تخصیص‌یافته",
        "res.unallocated": "تخصیص‌نیافته", "res.qa": "وضعیت کنترل کیفیت",
        "res.earlier": "پیش‌تر تخصیص‌یافته", "res.warnings": "هشدارها",
        "res.earlier.run": "{n} دانش‌آموز در اجرای {run} ({date}) تخصیص یافته بودند و دوباره تخصیص نیافتند.",
        "res.codes_reused": "کد ثبت‌نام تکراری استفاده‌شده",
        "res.downloads": "دریافت فایل‌های اکسل", "res.occupancy": "اشغال ظرفیت پشتیبان‌ها",
        "res.occupancy.before": "پیش از اجرا", "res.occupancy.after": "پس از اجرا",
        "res.by_keys": "دانش‌آموزان تخصیص‌نیافته بر اساس گروه، جنسیت، وضعیت تحصیلی، مرکز، مالی و مدرسه",
        "res.by_keys.none": "همه دانش‌آموزان تخصیص یافتند.",
        "res.plan": "برنامه ظرفیت", "res.plan.none": "کمبود ظرفیتی گزارش نشده است.",
        "res.table": "جدول داده‌ها", "res.mentor": "پشتیبان", "res.count": "تعداد",
        "res.keys": "ترکیب (گروه، جنسیت، وضعیت تحصیلی، مرکز، مالی، مدرسه)",
        "res.more": "و {n} مورد دیگر",
        "dl.sabt": "ImportToSabt (ثبت)", "dl.allocation": "فایل اکسل تخصیص",
        "dl.qa": "فایل اکسل کنترل کیفیت", "dl.matrix": "ماتریس صلاحیت",
        "plan.profile": "ترکیب", "plan.class": "دسته", "plan.students": "دانش‌آموزان",
        "plan.missing": "ظرفیت کم", "plan.new": "پشتیبان جدید لازم",
        "plan.full": "پشتیبان‌های پر",
        "search.title": "جستجوی دانش‌آموز", "search.q": "کد ملی یا نام",
        "search.submit": "جستجو", "search.job": "اجرا", "search.none": "دانش‌آموزی یافت نشد.",
        "search.no_job": "هنوز اجرای موفقی نیست.", "search.explain": "توضیح تصمیم",
        "st.nid": "کد ملی", "st.name": "نام", "st.status": "نتیجه", "st.mentor": "پشتیبان",
        "st.code": "کد ثبت‌نام", "st.reason": "دلیل",
        "exp.title": "توضیح تصمیم تخصیص", "exp.decision": "تصمیم", "exp.channel": "کانال",
        "exp.stages": "هشت مرحلهٔ بررسی شرایط", "exp.stage": "مرحله", "exp.before": "پیش از",
        "exp.after": "پس از", "exp.candidates": "نامزدهای رتبه‌بندی‌شده",
        "exp.rank": "رتبه", "exp.alias": "جایگزین", "exp.school_row": "ردیف مدرسه",
        "exp.occupancy": "نسبت اشغال", "exp.new": "تخصیص جدید", "exp.remaining": "ظرفیت باقی",
        "exp.seat": "ظرفیت خالی دارد", "exp.winner": "برنده", "exp.tiebreak": "معیارهای برتری",
        "exp.decided_by": "معیار تعیین‌کننده", "exp.runner_up": "نفر دوم",
        "exp.why_not": "چرا این پشتیبان نه؟", "exp.why_not.mentor": "شناسه پشتیبان",
        "exp.why_not.submit": "بررسی", "exp.no_candidates": "نامزدی وجود نداشت.",
        "yes": "بله", "no": "خیر",
        "mentors.title": "پشتیبان‌ها", "mentors.filter": "پالایش", "mentors.q": "شناسه، نام یا مدیر",
        "mentors.status": "وضعیت", "mentors.all": "همه", "mentors.none": "پشتیبانی یافت نشد (پس از نخستین اجرا فهرست پر می‌شود).",
        "mentors.capacity": "ظرفیت", "mentors.covered": "تحت پوشش", "mentors.manager": "مدیر",
        "mentors.gov": "تغییر وضعیت (با ثبت در سابقهٔ تغییرات)", "mentors.id": "شناسه پشتیبان",
        "mentors.action": "اقدام", "mentors.reason": "دلیل (الزامی)",
        "mentors.schools": "کد مدارس مجاز (با ویرگول)", "mentors.channels": "کانال‌های مجاز",
        "mentors.apply": "ثبت تغییر", "mentors.reason_required": "دلیل تغییر وضعیت الزامی است.",
        "mentors.changed": "وضعیت پشتیبان {id} از «{a}» به «{b}» تغییر کرد.",
        "mentors.freeze_effect": "دانش‌آموزانی که پیش‌تر به این پشتیبان تخصیص یافته‌اند نزد او می‌مانند؛ از اجرای بعدی دانش‌آموز تازه‌ای به او داده نمی‌شود.",
        "mentors.overrides": "استثناهای اجرای بعدی", "mentors.overrides.save": "ذخیره برای اجرای بعدی",
        "mentors.overrides.saved": "{n} استثنا برای اجرای بعدی ذخیره شد.",
        "mentors.history": "سوابق", "mentors.change": "تغییر وضعیت",
        "action.freeze": "مسدود کردن", "action.activate": "فعال کردن",
        "action.restrict": "محدود کردن",
        "hist.title": "سوابق", "hist.student": "سوابق دانش‌آموز", "hist.mentor": "سوابق پشتیبان",
        "hist.nid": "کد ملی", "hist.mid": "شناسه پشتیبان", "hist.show": "نمایش",
        "hist.none": "سابقه‌ای یافت نشد.", "hist.allocations": "تخصیص‌ها",
        "hist.audit": "تغییرات وضعیت", "hist.date": "تاریخ", "hist.run": "اجرا",
        "hist.policy": "سیاست", "hist.from": "از", "hist.to": "به", "hist.by": "توسط",
        "hist.reason": "دلیل",
        "err.title": "خطا", "err.back": "بازگشت به صفحه اصلی", "err.correlation": "شناسه پیگیری",
        "err.where": "محل", "err.file": "فایل", "err.sheet": "برگه", "err.row": "ردیف",
        "err.column": "ستون",
        "err.400": "درخواست قابل انجام نیست.",
        "err.401": "برای ادامه وارد شوید.",
        "err.403": "شما اجازهٔ انجام این کار را ندارید.",
        "err.403.csrf": "فرم منقضی یا نامعتبر است (توکن امنیتی نادرست). صفحه را دوباره باز کنید و دوباره بفرستید.",
        "err.404": "موردی که خواستید پیدا نشد.",
        "err.409": "این کار با وضعیت فعلی سازگار نیست (تعارض).",
        "err.413": "فایل بیش از حد بزرگ است.",
        "err.415": "فقط فایل‌های اکسل ‎.xlsx‎ پذیرفته می‌شوند.",
        "err.422": "داده‌ها معتبر نیستند؛ موارد زیر را اصلاح کنید.",
        "err.429": "درخواست‌ها بیش از حد مجاز است؛ کمی صبر کنید و دوباره تلاش کنید.",
        "err.500": "خطای داخلی رخ داد. شناسه پیگیری را به پشتیبانی فنی بدهید.",
        "err.503": "سرویس موقتاً در دسترس نیست؛ کمی بعد دوباره تلاش کنید.",
        "err.other": "خطایی رخ داد.",
        "err.forbidden_role": "نقش «{role}» مجوز «{scope}» را ندارد.",
        "scope.alloc:run": "اجرای تخصیص", "scope.import": "بارگذاری فایل",
        "scope.report:read": "دیدن گزارش‌ها",
        "scope.personal:read": "دیدن اطلاعات دانش‌آموزان", "scope.mentors:write": "مدیریت پشتیبان‌ها",
        "scope.users:admin": "مدیریت کاربران",
        "ok": "انجام شد",
    },
    "en": {
        "app": "SmartAlloc — mentor allocation",
        "skip": "Skip to main content",
        "nav.run": "Run allocation", "nav.jobs": "Run results", "nav.students": "Student search",
        "nav.mentors": "Mentors", "nav.history": "History", "nav.logout": "Sign out",
        "nav.main": "Main menu", "lang.switch": "فارسی", "role": "Role",
        "role.admin": "administrator", "role.operator": "operator", "role.viewer": "viewer",
        "login.title": "Sign in", "login.username": "Username", "login.password": "Password",
        "login.submit": "Sign in", "login.failed": "Wrong username or password.",
        "login.expired": "Your session has ended; please sign in again.",
        "run.title": "Run allocation", "run.files": "Input reports",
        "run.drop": "Drop the file here or click to choose", "run.required": "required",
        "run.optional": "optional",
        "run.role.inspactor": "Mentor report (InspactorReport)",
        "run.role.schools": "School report (SchoolReport)",
        "run.role.students": "Student report (StudentReport)",
        "run.role.managers": "Manager report (ManagerReport)",
        "run.role.crosswalk": "Crosswalk", "run.role.roster": "Roster",
        "run.policy": "Policy", "run.year": "Academic year", "run.year.default": "policy default",
        "run.overrides": "Overrides for this run",
        "run.overrides.none": "No overrides selected (choose them on the mentors page).",
        "run.start": "Start run", "run.uploading": "Uploading and checking the files…",
        "run.missing": "This file is required.", "run.errors": "The files were not accepted",
        "run.bad_year": "The year must be a number between 1300 and 1500.",
        "override.on": "enabled for this run", "override.off": "disabled for this run",
        "override.none": "no override",
        "jobs.title": "Run results", "jobs.none": "No run yet.", "jobs.created": "Created",
        "jobs.by": "User", "jobs.state": "State", "jobs.open": "Open",
        "state.queued": "queued", "state.running": "running", "state.succeeded": "succeeded",
        "state.failed": "failed",
        "stage.queued": "queued", "stage.read": "reading files", "stage.matrix": "building the matrix",
        "stage.allocate": "allocating", "stage.reports": "reports", "stage.write": "writing workbooks",
        "stage.history": "recording history", "stage.done": "done",
        "job.title": "Allocation run", "job.progress": "Progress", "job.failed": "The run failed",
        "job.poll_error": "Could not read the run's status; retrying.",
        "res.students": "Students", "res.allocated": "Allocated", "res.unallocated": "Unallocated",
        "res.earlier": "Allocated earlier", "res.warnings": "Warnings",
        "res.earlier.run": "{n} students were allocated by run {run} on {date} and were not allocated again.",
        "res.qa": "QA status", "res.codes_reused": "Registration codes reused",
        "res.downloads": "Download workbooks", "res.occupancy": "Mentor occupancy",
        "res.occupancy.before": "before the run", "res.occupancy.after": "after the run",
        "res.by_keys": "Unallocated students by six-key combination",
        "res.by_keys.none": "Every student was allocated.",
        "res.plan": "Capacity plan", "res.plan.none": "No capacity shortage reported.",
        "res.table": "Data table", "res.mentor": "Mentor", "res.count": "Count",
        "res.keys": "Combination (group, gender, graduation, centre, finance, school)",
        "res.more": "and {n} more",
        "dl.sabt": "ImportToSabt", "dl.allocation": "Allocation workbook", "dl.qa": "QA workbook",
        "dl.matrix": "Eligibility matrix",
        "plan.profile": "Combination", "plan.class": "Class", "plan.students": "Students",
        "plan.missing": "Seats missing", "plan.new": "New mentors needed",
        "plan.full": "Full mentors",
        "search.title": "Student search", "search.q": "National id or name",
        "search.submit": "Search", "search.job": "Run", "search.none": "No student found.",
        "search.no_job": "No successful run yet.", "search.explain": "Explain",
        "st.nid": "National id", "st.name": "Name", "st.status": "Outcome", "st.mentor": "Mentor",
        "st.code": "Registration code", "st.reason": "Reason",
        "exp.title": "Why this allocation", "exp.decision": "Decision", "exp.channel": "Channel",
        "exp.stages": "The eight filter stages", "exp.stage": "Stage", "exp.before": "Before",
        "exp.after": "After", "exp.candidates": "Ranked candidates", "exp.rank": "Rank",
        "exp.alias": "Alias", "exp.school_row": "School row", "exp.occupancy": "Occupancy",
        "exp.new": "New allocations", "exp.remaining": "Seats left", "exp.seat": "Has a seat",
        "exp.winner": "Winner", "exp.tiebreak": "Tie-breakers", "exp.decided_by": "Decided by",
        "exp.runner_up": "Runner-up", "exp.why_not": "Why not this mentor?",
        "exp.why_not.mentor": "Mentor id", "exp.why_not.submit": "Check",
        "exp.no_candidates": "There were no candidates.",
        "yes": "yes", "no": "no",
        "mentors.title": "Mentors", "mentors.filter": "Filter", "mentors.q": "Id, name or manager",
        "mentors.status": "Status", "mentors.all": "all",
        "mentors.none": "No mentor found (the list fills after the first run).",
        "mentors.capacity": "Capacity", "mentors.covered": "Covered", "mentors.manager": "Manager",
        "mentors.gov": "Change status (audited)", "mentors.id": "Mentor id",
        "mentors.action": "Action", "mentors.reason": "Reason (required)",
        "mentors.schools": "Allowed school codes (comma separated)",
        "mentors.channels": "Allowed channels", "mentors.apply": "Apply",
        "mentors.reason_required": "A reason is required for every status change.",
        "mentors.changed": "Mentor {id}: {a} → {b}.",
        "mentors.freeze_effect": "Students already allocated to this mentor stay with it; from the next run no new student is given to it.",
        "mentors.overrides": "Overrides for the next run",
        "mentors.overrides.save": "Save for the next run",
        "mentors.overrides.saved": "{n} overrides saved for the next run.",
        "mentors.history": "History", "mentors.change": "Change status",
        "action.freeze": "Freeze", "action.activate": "Activate", "action.restrict": "Restrict",
        "hist.title": "History", "hist.student": "Student history", "hist.mentor": "Mentor history",
        "hist.nid": "National id", "hist.mid": "Mentor id", "hist.show": "Show",
        "hist.none": "No record found.", "hist.allocations": "Allocations",
        "hist.audit": "Status changes", "hist.date": "Date", "hist.run": "Run",
        "hist.policy": "Policy", "hist.from": "From", "hist.to": "To", "hist.by": "By",
        "hist.reason": "Reason",
        "err.title": "Error", "err.back": "Back to the start page",
        "err.correlation": "Correlation id", "err.where": "Where", "err.file": "File",
        "err.sheet": "Sheet", "err.row": "Row", "err.column": "Column",
        "err.400": "The request cannot be carried out.", "err.401": "Please sign in to continue.",
        "err.403": "You are not allowed to do this.",
        "err.403.csrf": "The form is stale or invalid (bad security token). Reload the page and submit again.",
        "err.404": "What you asked for was not found.",
        "err.409": "This conflicts with the current state.", "err.413": "The file is too large.",
        "err.415": "Only .xlsx Excel workbooks are accepted.",
        "err.422": "The data is not valid; fix the items below.",
        "err.429": "Too many requests; wait a moment and try again.",
        "err.500": "An internal error occurred. Give the correlation id to support.",
        "err.503": "The service is temporarily unavailable; try again shortly.",
        "err.other": "An error occurred.",
        "err.forbidden_role": "The role '{role}' lacks the permission '{scope}'.",
        "scope.alloc:run": "run allocations", "scope.import": "upload files",
        "scope.report:read": "read reports",
        "scope.personal:read": "see students' data", "scope.mentors:write": "govern mentors",
        "scope.users:admin": "manage users",
        "ok": "Done",
    },
}
# The domain's codes in the glossary's words (one source for pages and workbooks).
for _prefix, _table in (("fail", glossary.FAILURE_CLASSES), ("status", glossary.MENTOR_STATUSES),
                        ("outcome", glossary.OUTCOMES)):
    for _code, _term in _table.items():
        MESSAGES["fa"][f"{_prefix}.{_code}"], MESSAGES["en"][f"{_prefix}.{_code}"] = _term
MESSAGES["fa"]["status.unknown"], MESSAGES["en"]["status.unknown"] = "نامشخص", "unknown"
for _extra in (SETUP_MESSAGES, WHATIF_MESSAGES, ACCOUNT_MESSAGES, EXPLAIN_MESSAGES,
               UPLOAD_MESSAGES, PROGRESS_MESSAGES):
    for _lang, _words in _extra.items():
        MESSAGES[_lang].update(_words)
STAGE_LABELS_EN = {
    "type": "mentor type", "group": "study group", "gender": "gender",
    "graduation_status": "graduation status", "center": "centre", "finance": "finance",
    "school": "school", "capacity_gate": "capacity",
}


def lang_of(request: Request) -> str:
    """``?lang=`` wins (and is remembered in a cookie), then the cookie, then Persian."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else "fa"


def translator(lang: str):
    table, fallback = MESSAGES[lang], MESSAGES["fa"]

    def t(key: str, **values: object) -> str:
        text = table.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text
    return t


def digits(value: object, lang: str) -> str:
    """Numbers in Persian digits on Persian pages (ids are shown as they are typed)."""
    text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    return text.replace(",", "٬").translate(_FA_DIGITS) if lang == "fa" else text


def jalali(value: str | datetime | date | None, lang: str = "fa", *, time: bool = True) -> str:
    """A Jalali (Solar Hijri) date, Tehran time: ``۱۴۰۴/۰۸/۲۷ ۱۳:۰۵``.

    Accepts an ISO timestamp (UTC when it has no zone), a datetime or a date; a string that is
    already a Jalali date (``1404-08-27``, year < 1700) is kept and only reformatted."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        head = value[:10].replace("/", "-")
        if head[:4].isdecimal() and int(head[:4]) < 1700:
            text = head.replace("-", "/") + (" " + value[11:16] if time and len(value) > 15 else "")
            return text.translate(_FA_DIGITS) if lang == "fa" else text
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        text = tehran(value).strftime("%Y/%m/%d %H:%M" if time else "%Y/%m/%d")
    else:
        text = jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
    return text.translate(_FA_DIGITS) if lang == "fa" else text
