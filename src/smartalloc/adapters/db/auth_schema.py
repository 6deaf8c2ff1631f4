"""Tables of the service (issue C), on the same ``Base`` so Alembic sees one metadata:
کاربران (API users: argon2 hash and role) and کارها (jobs: imports and allocation runs, with
progress, result and the idempotency key that makes a retried POST return the same job)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from smartalloc.adapters.db.base import Base


class User(Base):
    __tablename__ = "کاربران"
    id: Mapped[int] = mapped_column("شناسه", Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column("نام_کاربری", String(64), unique=True)
    password_hash: Mapped[str] = mapped_column("هش_رمز", Text)
    role: Mapped[str] = mapped_column("نقش", String(16))
    active: Mapped[bool] = mapped_column("فعال", Boolean, default=True)
    created_at: Mapped[str] = mapped_column("زمان_ایجاد", String(32))
    # A password someone else saw (first start, reset): the next sign-in must replace it (0006).
    must_change: Mapped[bool] = mapped_column("باید_رمز_را_عوض_کند", Boolean, default=False,
                                              server_default=false())


class RevokedToken(Base):
    """A token signed out before its expiry (its jti), kept until then (migration 0005)."""

    __tablename__ = "توکن_های_باطل"
    jti: Mapped[str] = mapped_column("شناسه_توکن", String(64), primary_key=True)
    expires_at: Mapped[str] = mapped_column("انقضا", String(32), index=True)


class Job(Base):
    __tablename__ = "کارها"
    id: Mapped[str] = mapped_column("شناسه", String(36), primary_key=True)
    kind: Mapped[str] = mapped_column("نوع", String(32))
    state: Mapped[str] = mapped_column("وضعیت", String(16))        # queued/running/succeeded/failed
    progress: Mapped[float] = mapped_column("پیشرفت", Float, default=0.0)
    stage: Mapped[str] = mapped_column("مرحله", String(32), default="")
    params: Mapped[dict] = mapped_column("پارامترها", JSON)
    result: Mapped[dict | None] = mapped_column("نتیجه", JSON, nullable=True)
    error: Mapped[dict | None] = mapped_column("خطا", JSON, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column("کلید_یکتایی", String(255), nullable=True)
    request_hash: Mapped[str] = mapped_column("هش_درخواست", String(64), default="")
    created_by: Mapped[str] = mapped_column("ایجادکننده", String(64))
    created_at: Mapped[str] = mapped_column("زمان_ایجاد", String(32))
    updated_at: Mapped[str] = mapped_column("زمان_به_روزرسانی", String(32))
    __table_args__ = (UniqueConstraint("ایجادکننده", "کلید_یکتایی"),)
