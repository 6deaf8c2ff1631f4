"""The Persian schema (SQLAlchemy 2): Persian table and column names, English attributes.

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
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartalloc.adapters.db.base import Base


class Run(Base):
    __tablename__ = "اجراها"
    run_id: Mapped[str] = mapped_column("شناسه_اجرا", String(32), primary_key=True)
    started_at: Mapped[str] = mapped_column("زمان_شروع", String(32))
    policy_stamp: Mapped[str] = mapped_column("نسخه_سیاست", String(64))
    inputs: Mapped[dict] = mapped_column("ورودی_ها", JSON)          # role:file → sha256
    counts: Mapped[dict] = mapped_column("شمارش_ها", JSON)
    qa_status: Mapped[str] = mapped_column("وضعیت_کنترل_کیفیت", String(16))
    out_dir: Mapped[str] = mapped_column("پوشه_خروجی", Text, default="")


class Manager(Base):
    __tablename__ = "مدیران"
    name: Mapped[str] = mapped_column("نام_مدیر", String(200), primary_key=True)
    center: Mapped[int] = mapped_column("مرکز", Integer, default=0)
    code: Mapped[str] = mapped_column("کد_مدیر", String(32), default="")


class Mentor(Base):
    __tablename__ = "منتورها"
    mentor_id: Mapped[str] = mapped_column("کد_کارمندی_پشتیبان", String(32), primary_key=True)
    name: Mapped[str] = mapped_column("نام_پشتیبان", String(200))
    manager: Mapped[str] = mapped_column("نام_مدیر", String(200), default="")
    gender: Mapped[int | None] = mapped_column("جنسیت", Integer, nullable=True)
    center: Mapped[int] = mapped_column("مرکز", Integer, default=0)
    alias: Mapped[str] = mapped_column("کد_جایگزین", String(16), default="")
    capacity: Mapped[int] = mapped_column("ظرفیت", Integer, default=60)
    covered: Mapped[int] = mapped_column("تحت_پوشش", Integer, default=0)
    status: Mapped[str] = mapped_column("وضعیت", String(16), default="active")
    allowed_channels: Mapped[list] = mapped_column("کانال_های_مجاز", JSON, default=list)
    allowed_schools: Mapped[list] = mapped_column("مدارس_مجاز", JSON, default=list)
    report_sha: Mapped[str] = mapped_column("گزارش_منبع", String(64), default="")
    __table_args__ = (Index(None, "جنسیت", "مرکز", "وضعیت"),)


class MentorGroup(Base):
    __tablename__ = "گروه_های_منتور"
    mentor_id: Mapped[str] = mapped_column(
        "کد_کارمندی_پشتیبان", ForeignKey(Mentor.mentor_id, ondelete="CASCADE"), primary_key=True)
    group_code: Mapped[int] = mapped_column("کد_رشته", Integer, primary_key=True, index=True)


class MentorSchool(Base):
    __tablename__ = "مدارس_منتور"
    mentor_id: Mapped[str] = mapped_column(
        "کد_کارمندی_پشتیبان", ForeignKey(Mentor.mentor_id, ondelete="CASCADE"), primary_key=True)
    school_code: Mapped[int] = mapped_column("کد_مدرسه", Integer, primary_key=True, index=True)


class MentorStatusChange(Base):
    """Audit trail of governance: who changed which mentor, when, from → to, and why."""

    __tablename__ = "تاریخچه_وضعیت_منتور"
    id: Mapped[int] = mapped_column("شناسه", Integer, primary_key=True, autoincrement=True)
    mentor_id: Mapped[str] = mapped_column(
        "کد_کارمندی_پشتیبان", ForeignKey(Mentor.mentor_id), index=True)
    from_status: Mapped[str] = mapped_column("از_وضعیت", String(16))
    to_status: Mapped[str] = mapped_column("به_وضعیت", String(16))
    reason: Mapped[str] = mapped_column("دلیل", Text)
    changed_by: Mapped[str] = mapped_column("توسط", String(100))
    changed_at: Mapped[str] = mapped_column("زمان", String(32))
    details: Mapped[dict] = mapped_column("جزئیات", JSON, default=dict)


class AgencyProfileVersion(Base):
    """The agency's profile (managers → centres, academic year), one row per version: the
    newest applies; the older ones are its audit trail (who, when, why, what it replaced)."""

    __tablename__ = "نسخه_های_پروفایل_نمایندگی"
    version: Mapped[int] = mapped_column("نسخه", Integer, primary_key=True, autoincrement=True)
    centres: Mapped[dict] = mapped_column("مدیر_به_مرکز", JSON)
    academic_year: Mapped[int] = mapped_column("سال_تحصیلی", Integer)
    changed_by: Mapped[str] = mapped_column("توسط", String(100))
    changed_at: Mapped[str] = mapped_column("زمان", String(32))
    reason: Mapped[str] = mapped_column("دلیل", Text)


class Student(Base):
    __tablename__ = "دانش_آموزان"
    national_id: Mapped[str] = mapped_column("کد_ملی", String(10), primary_key=True)
    first_name: Mapped[str] = mapped_column("نام", String(100), default="")
    last_name: Mapped[str] = mapped_column("نام_خانوادگی", String(100), default="")
    group_code: Mapped[int | None] = mapped_column("کد_رشته", Integer, nullable=True)
    gender: Mapped[int | None] = mapped_column("جنسیت", Integer, nullable=True)
    graduation_status: Mapped[int | None] = mapped_column("دانش_آموز_فارغ", Integer, nullable=True)
    center: Mapped[int | None] = mapped_column("مرکز", Integer, nullable=True)
    finance: Mapped[int | None] = mapped_column("مالی", Integer, nullable=True)
    school_code: Mapped[int | None] = mapped_column("کد_مدرسه", Integer, nullable=True)
    last_run_id: Mapped[str] = mapped_column("آخرین_اجرا", String(32), default="")


class Allocation(Base):
    """A final allocation. One per national id, ever: the primary key refuses a second."""

    __tablename__ = "تخصیص_ها"
    national_id: Mapped[str] = mapped_column("کد_ملی", String(10), primary_key=True)
    mentor_id: Mapped[str] = mapped_column("کد_کارمندی_پشتیبان", String(32))
    code: Mapped[str] = mapped_column("کد_ثبت_نام", String(12), unique=True)
    group_code: Mapped[int] = mapped_column("کد_رشته", Integer)
    gender: Mapped[int] = mapped_column("جنسیت", Integer)
    graduation_status: Mapped[int] = mapped_column("دانش_آموز_فارغ", Integer)
    center: Mapped[int] = mapped_column("مرکز", Integer)
    finance: Mapped[int] = mapped_column("مالی", Integer)
    school_code: Mapped[int] = mapped_column("کد_مدرسه", Integer)
    channel: Mapped[str] = mapped_column("کانال", String(16))
    allocated_at: Mapped[str] = mapped_column("تاریخ_تخصیص", String(32), default="")
    run_id: Mapped[str] = mapped_column("شناسه_اجرا", String(32), index=True)
    policy_stamp: Mapped[str] = mapped_column("نسخه_سیاست", String(64))
    # a mentor's seats taken since its report: counted per live entry (issue L, 0010); it
    # serves every lookup by mentor alone too (0011 dropped that index: issue P)
    __table_args__ = (Index(None, "کد_کارمندی_پشتیبان", "شناسه_اجرا"),)


class Counter(Base):
    """Highest registration sequence committed per (YY, mid): a high-water mark, advanced
    under a row lock in every run's transaction. A batch does not read it: it derives its
    sequences from history and the roster, because a replay must leave out its own earlier
    codes, which one head per gender cannot; runs are serialised by the run lock and codes are
    unique by the allocation table's constraint. It is what a per-student issuer (live intake,
    issue L) takes under its row lock."""

    __tablename__ = "شمارنده_ها"
    year: Mapped[int] = mapped_column("سال", Integer, primary_key=True)
    mid: Mapped[str] = mapped_column("کد_میانی", String(3), primary_key=True)
    last_sequence: Mapped[int] = mapped_column("آخرین_شماره", Integer, default=0)


class OutboxMessage(Base):
    """Domain events written in the same transaction as the change they describe (issue D)."""

    __tablename__ = "صندوق_خروجی"
    id: Mapped[int] = mapped_column("شناسه", Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column("شناسه_رویداد", String(36), unique=True)
    event_type: Mapped[str] = mapped_column("نوع_رویداد", String(64))
    schema_version: Mapped[int] = mapped_column("نسخه_طرح", Integer, default=1)
    payload: Mapped[dict] = mapped_column("محتوا", JSON)
    occurred_at: Mapped[str] = mapped_column("زمان_رخداد", String(32))
    run_id: Mapped[str] = mapped_column("شناسه_اجرا", String(32), default="")
    sent_at: Mapped[str | None] = mapped_column("زمان_ارسال", String(32), nullable=True)
    attempts: Mapped[int] = mapped_column("تلاش_ها", Integer, default=0)
    # retries and dead letters (migration 0002): NULL next attempt = due now
    next_attempt_at: Mapped[str | None] = mapped_column("زمان_تلاش_بعدی", String(32),
                                                        nullable=True)
    last_error: Mapped[str | None] = mapped_column("آخرین_خطا", Text, nullable=True)
    dead_lettered_at: Mapped[str | None] = mapped_column("زمان_صف_مرده", String(32),
                                                         nullable=True)
    __table_args__ = (Index(None, "زمان_ارسال"),)


class ReviewRow(Base):
    """One manual-review change (issue K): who, when, before → after, why; the code the
    student holds (a release keeps it here, D15) and whether it went outside the matrix."""

    __tablename__ = "بازبینی_ها"
    id: Mapped[int] = mapped_column("شناسه", Integer, primary_key=True, autoincrement=True)
    national_id: Mapped[str] = mapped_column("کد_ملی", String(10), index=True)
    action: Mapped[str] = mapped_column("اقدام", String(16))
    from_mentor: Mapped[str] = mapped_column("از_پشتیبان", String(32))
    to_mentor: Mapped[str] = mapped_column("به_پشتیبان", String(32), index=True)
    code: Mapped[str] = mapped_column("کد_ثبت_نام", String(12))
    reason: Mapped[str] = mapped_column("دلیل", Text)
    changed_by: Mapped[str] = mapped_column("توسط", String(100))
    changed_at: Mapped[str] = mapped_column("زمان", String(32))
    exception: Mapped[bool] = mapped_column("استثنا", Boolean, default=False)
    run_id: Mapped[str] = mapped_column("شناسه_اجرا", String(32), index=True)


class ExportVersionRow(Base):
    """One version of a run's export after review (issue K): what it includes (the audit up to
    ``audit_head``), who made it and when, its counts and QA status, and where its files are.
    Version 1 is the run's own and has no row."""

    __tablename__ = "نسخه_های_خروجی"
    run_id: Mapped[str] = mapped_column("شناسه_اجرا", String(32), primary_key=True)
    version: Mapped[int] = mapped_column("نسخه", Integer, primary_key=True)
    audit_head: Mapped[int] = mapped_column("آخرین_بازبینی", Integer)
    made_at: Mapped[str] = mapped_column("زمان", String(32))
    made_by: Mapped[str] = mapped_column("توسط", String(100))
    rows: Mapped[int] = mapped_column("ردیف_ها", Integer)
    changed: Mapped[int] = mapped_column("تغییرات", Integer)
    exceptions: Mapped[int] = mapped_column("استثناها", Integer)
    qa_status: Mapped[str] = mapped_column("وضعیت_کنترل_کیفیت", String(16))
    folder: Mapped[str] = mapped_column("پوشه", Text)


class IntakeEntry(Base):
    """A live Gravity Forms entry (issue L), once per (source, form, entry): the answer the
    site was given (replayed to a retry), the body's digest (a different body under the same
    ids is a conflict), and the student-report row it became, in arrival order (``id``)."""

    __tablename__ = "ورودی_های_فرم"
    id: Mapped[int] = mapped_column("شناسه", Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column("منبع", String(32))
    form_id: Mapped[str] = mapped_column("شناسه_فرم", String(16))
    entry_id: Mapped[str] = mapped_column("شناسه_ورودی", String(20))
    digest: Mapped[str] = mapped_column("چکیده_بدنه", String(64))
    received_at: Mapped[str] = mapped_column("زمان_دریافت", String(32))
    status: Mapped[str] = mapped_column("وضعیت", String(16), index=True)
    national_id: Mapped[str] = mapped_column("کد_ملی", String(10), index=True)
    row: Mapped[list] = mapped_column("ردیف", JSON)             # STUDENT_COLUMNS order
    http_status: Mapped[int] = mapped_column("کد_پاسخ", Integer)
    response: Mapped[dict] = mapped_column("پاسخ", JSON)
    exported_at: Mapped[str | None] = mapped_column("زمان_خروجی", String(32), nullable=True)
    __table_args__ = (UniqueConstraint("منبع", "شناسه_فرم", "شناسه_ورودی",
                                       name="uq_ورودی_های_فرم_شناسه"),)
