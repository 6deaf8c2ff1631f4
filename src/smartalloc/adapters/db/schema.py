"""The Persian schema (SQLAlchemy 2): Persian table and column names, English keys.

Each table is a Core ``Table`` whose columns carry an English ``key``: code reads
``Mentor.c.status``, the database sees ``منتورها.وضعیت``. Nothing here maps rows to objects (every
store works with Core statements and rows), so the ORM is not imported: it cost every command
~0.1 s of start-up (issue P, docs/decisions.md). Rows come back under the Persian names, as
before.

Tables: منتورها (mentors), گروه_های_منتور (their allowed groups), مدارس_منتور (their schools),
مدیران (manager → centre), تاریخچه_وضعیت_منتور (status audit trail), دانش_آموزان (students),
تخصیص_ها (allocations: one per national id, ever), شمارنده_ها (registration counters per
year and gender code), اجراها (runs), صندوق_خروجی (the transactional outbox of issue D),
نسخه_های_پروفایل_نمایندگی (the agency's profile, versioned: issue G), بازبینی_ها (manual
review's audit: issue K), ورودی_های_فرم (live Gravity Forms entries: issue L).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from smartalloc.adapters.db.base import metadata

Run = Table(
    "اجراها", metadata,
    Column("شناسه_اجرا", String(32), primary_key=True, key="run_id"),
    Column("زمان_شروع", String(32), nullable=False, key="started_at"),
    Column("نسخه_سیاست", String(64), nullable=False, key="policy_stamp"),
    Column("ورودی_ها", JSON, nullable=False, key="inputs"),  # role:file → sha256
    Column("شمارش_ها", JSON, nullable=False, key="counts"),
    Column("وضعیت_کنترل_کیفیت", String(16), nullable=False, key="qa_status"),
    Column("پوشه_خروجی", Text, default="", nullable=False, key="out_dir"),
)

Manager = Table(
    "مدیران", metadata,
    Column("نام_مدیر", String(200), primary_key=True, key="name"),
    Column("مرکز", Integer, default=0, nullable=False, key="center"),
    Column("کد_مدیر", String(32), default="", nullable=False, key="code"),
)

Mentor = Table(
    "منتورها", metadata,
    Column("کد_کارمندی_پشتیبان", String(32), primary_key=True, key="mentor_id"),
    Column("نام_پشتیبان", String(200), nullable=False, key="name"),
    Column("نام_مدیر", String(200), default="", nullable=False, key="manager"),
    Column("جنسیت", Integer, nullable=True, key="gender"),
    Column("مرکز", Integer, default=0, nullable=False, key="center"),
    Column("کد_جایگزین", String(16), default="", nullable=False, key="alias"),
    Column("ظرفیت", Integer, default=60, nullable=False, key="capacity"),
    Column("تحت_پوشش", Integer, default=0, nullable=False, key="covered"),
    Column("وضعیت", String(16), default="active", nullable=False, key="status"),
    Column("کانال_های_مجاز", JSON, default=list, nullable=False, key="allowed_channels"),
    Column("مدارس_مجاز", JSON, default=list, nullable=False, key="allowed_schools"),
    Column("گزارش_منبع", String(64), default="", nullable=False, key="report_sha"),
    Index(None, "gender", "center", "status"),
)

MentorGroup = Table(
    "گروه_های_منتور", metadata,
    Column("کد_کارمندی_پشتیبان", ForeignKey(Mentor.c.mentor_id, ondelete="CASCADE"), primary_key=True,
           key="mentor_id"),
    Column("کد_رشته", Integer, primary_key=True, index=True, key="group_code"),
)

MentorSchool = Table(
    "مدارس_منتور", metadata,
    Column("کد_کارمندی_پشتیبان", ForeignKey(Mentor.c.mentor_id, ondelete="CASCADE"), primary_key=True,
           key="mentor_id"),
    Column("کد_مدرسه", Integer, primary_key=True, index=True, key="school_code"),
)


# Audit trail of governance: who changed which mentor, when, from → to, and why.
MentorStatusChange = Table(
    "تاریخچه_وضعیت_منتور", metadata,
    Column("شناسه", Integer, primary_key=True, autoincrement=True, key="id"),
    Column("کد_کارمندی_پشتیبان", ForeignKey(Mentor.c.mentor_id), index=True, nullable=False,
           key="mentor_id"),
    Column("از_وضعیت", String(16), nullable=False, key="from_status"),
    Column("به_وضعیت", String(16), nullable=False, key="to_status"),
    Column("دلیل", Text, nullable=False, key="reason"),
    Column("توسط", String(100), nullable=False, key="changed_by"),
    Column("زمان", String(32), nullable=False, key="changed_at"),
    Column("جزئیات", JSON, default=dict, nullable=False, key="details"),
)


# The agency's profile (managers → centres, academic year), one row per version: the newest
# applies; the older ones are its audit trail (who, when, why, what it replaced).
AgencyProfileVersion = Table(
    "نسخه_های_پروفایل_نمایندگی", metadata,
    Column("نسخه", Integer, primary_key=True, autoincrement=True, key="version"),
    Column("مدیر_به_مرکز", JSON, nullable=False, key="centres"),
    Column("سال_تحصیلی", Integer, nullable=False, key="academic_year"),
    Column("توسط", String(100), nullable=False, key="changed_by"),
    Column("زمان", String(32), nullable=False, key="changed_at"),
    Column("دلیل", Text, nullable=False, key="reason"),
)


# The six join keys (the spec's JOIN_KEYS), in that order, as students and allocations keep them.
JOIN_KEY_COLUMNS = (("کد_رشته", "group_code"), ("جنسیت", "gender"),
                    ("دانش_آموز_فارغ", "graduation_status"), ("مرکز", "center"),
                    ("مالی", "finance"), ("کد_مدرسه", "school_code"))


def join_key_columns(*, nullable: bool) -> list[Column]:
    return [Column(name, Integer, nullable=nullable, key=key) for name, key in JOIN_KEY_COLUMNS]


Student = Table(
    "دانش_آموزان", metadata,
    Column("کد_ملی", String(10), primary_key=True, key="national_id"),
    Column("نام", String(100), default="", nullable=False, key="first_name"),
    Column("نام_خانوادگی", String(100), default="", nullable=False, key="last_name"),
    *join_key_columns(nullable=True),   # a student may lack one
    Column("آخرین_اجرا", String(32), default="", nullable=False, key="last_run_id"),
)


# A final allocation. One per national id, ever: the primary key refuses a second.
Allocation = Table(
    "تخصیص_ها", metadata,
    Column("کد_ملی", String(10), primary_key=True, key="national_id"),
    Column("کد_کارمندی_پشتیبان", String(32), nullable=False, key="mentor_id"),
    Column("کد_ثبت_نام", String(12), unique=True, nullable=False, key="code"),
    *join_key_columns(nullable=False),  # an allocation was made on all six
    Column("کانال", String(16), nullable=False, key="channel"),
    Column("تاریخ_تخصیص", String(32), default="", nullable=False, key="allocated_at"),
    Column("شناسه_اجرا", String(32), index=True, nullable=False, key="run_id"),
    Column("نسخه_سیاست", String(64), nullable=False, key="policy_stamp"),
    # a mentor's seats taken since its report: counted per live entry (issue L, 0010); it
    # serves every lookup by mentor alone too (0011 dropped that index: issue P)
    Index(None, "mentor_id", "run_id"),
)


# Highest registration sequence committed per (YY, mid): a high-water mark, advanced under a row
# lock in every run's transaction. A batch does not read it: it derives its sequences from
# history and the roster, because a replay must leave out its own earlier codes, which one head
# per gender cannot; runs are serialised by the run lock and codes are unique by the allocation
# table's constraint. It is what a per-student issuer (live intake, issue L) takes under its row
# lock.
Counter = Table(
    "شمارنده_ها", metadata,
    Column("سال", Integer, primary_key=True, key="year"),
    Column("کد_میانی", String(3), primary_key=True, key="mid"),
    Column("آخرین_شماره", Integer, default=0, nullable=False, key="last_sequence"),
)


# Domain events written in the same transaction as the change they describe (issue D).
OutboxMessage = Table(
    "صندوق_خروجی", metadata,
    Column("شناسه", Integer, primary_key=True, autoincrement=True, key="id"),
    Column("شناسه_رویداد", String(36), unique=True, nullable=False, key="event_id"),
    Column("نوع_رویداد", String(64), nullable=False, key="event_type"),
    Column("نسخه_طرح", Integer, default=1, nullable=False, key="schema_version"),
    Column("محتوا", JSON, nullable=False, key="payload"),
    Column("زمان_رخداد", String(32), nullable=False, key="occurred_at"),
    Column("شناسه_اجرا", String(32), default="", nullable=False, key="run_id"),
    Column("زمان_ارسال", String(32), nullable=True, key="sent_at"),
    Column("تلاش_ها", Integer, default=0, nullable=False, key="attempts"),
    # retries and dead letters (migration 0002): NULL next attempt = due now
    Column("زمان_تلاش_بعدی", String(32), nullable=True, key="next_attempt_at"),
    Column("آخرین_خطا", Text, nullable=True, key="last_error"),
    Column("زمان_صف_مرده", String(32), nullable=True, key="dead_lettered_at"),
    Index(None, "sent_at"),
)


# One manual-review change (issue K): who, when, before → after, why; the code the student holds
# (a release keeps it here, D15) and whether it went outside the matrix.
ReviewRow = Table(
    "بازبینی_ها", metadata,
    Column("شناسه", Integer, primary_key=True, autoincrement=True, key="id"),
    Column("کد_ملی", String(10), index=True, nullable=False, key="national_id"),
    Column("اقدام", String(16), nullable=False, key="action"),
    Column("از_پشتیبان", String(32), nullable=False, key="from_mentor"),
    Column("به_پشتیبان", String(32), index=True, nullable=False, key="to_mentor"),
    Column("کد_ثبت_نام", String(12), nullable=False, key="code"),
    Column("دلیل", Text, nullable=False, key="reason"),
    Column("توسط", String(100), nullable=False, key="changed_by"),
    Column("زمان", String(32), nullable=False, key="changed_at"),
    Column("استثنا", Boolean, default=False, nullable=False, key="exception"),
    Column("شناسه_اجرا", String(32), index=True, nullable=False, key="run_id"),
)


# One version of a run's export after review (issue K): what it includes (the audit up to
# ``audit_head``), who made it and when, its counts and QA status, and where its files are.
# Version 1 is the run's own and has no row.
ExportVersionRow = Table(
    "نسخه_های_خروجی", metadata,
    Column("شناسه_اجرا", String(32), primary_key=True, key="run_id"),
    Column("نسخه", Integer, primary_key=True, key="version"),
    Column("آخرین_بازبینی", Integer, nullable=False, key="audit_head"),
    Column("زمان", String(32), nullable=False, key="made_at"),
    Column("توسط", String(100), nullable=False, key="made_by"),
    Column("ردیف_ها", Integer, nullable=False, key="rows"),
    Column("تغییرات", Integer, nullable=False, key="changed"),
    Column("استثناها", Integer, nullable=False, key="exceptions"),
    Column("وضعیت_کنترل_کیفیت", String(16), nullable=False, key="qa_status"),
    Column("پوشه", Text, nullable=False, key="folder"),
)


# A live Gravity Forms entry (issue L), once per (source, form, entry): the answer the site was
# given (replayed to a retry), the body's digest (a different body under the same ids is a
# conflict), and the student-report row it became, in arrival order (``id``).
IntakeEntry = Table(
    "ورودی_های_فرم", metadata,
    Column("شناسه", Integer, primary_key=True, autoincrement=True, key="id"),
    Column("منبع", String(32), nullable=False, key="source"),
    Column("شناسه_فرم", String(16), nullable=False, key="form_id"),
    Column("شناسه_ورودی", String(20), nullable=False, key="entry_id"),
    Column("چکیده_بدنه", String(64), nullable=False, key="digest"),
    Column("زمان_دریافت", String(32), nullable=False, key="received_at"),
    Column("وضعیت", String(16), index=True, nullable=False, key="status"),
    Column("کد_ملی", String(10), index=True, nullable=False, key="national_id"),
    Column("ردیف", JSON, nullable=False, key="row"),  # STUDENT_COLUMNS order
    Column("کد_پاسخ", Integer, nullable=False, key="http_status"),
    Column("پاسخ", JSON, nullable=False, key="response"),
    Column("زمان_خروجی", String(32), nullable=True, key="exported_at"),
    UniqueConstraint("source", "form_id", "entry_id", name="uq_ورودی_های_فرم_شناسه"),
)
