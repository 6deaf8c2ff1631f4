"""Tables of the service (issue C), in the same ``metadata`` so Alembic sees them all:
کاربران (API users: argon2 hash and role) and کارها (jobs: imports and allocation runs, with
progress, result and the idempotency key that makes a retried POST return the same job)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from smartalloc.adapters.db.base import metadata

User = Table(
    "کاربران", metadata,
    Column("شناسه", Integer, primary_key=True, autoincrement=True, key="id"),
    Column("نام_کاربری", String(64), unique=True, nullable=False, key="username"),
    Column("هش_رمز", Text, nullable=False, key="password_hash"),
    Column("نقش", String(16), nullable=False, key="role"),
    Column("فعال", Boolean, default=True, nullable=False, key="active"),
    Column("زمان_ایجاد", String(32), nullable=False, key="created_at"),
    # A password someone else saw (first start, reset): the next sign-in must replace it (0006).
    Column("باید_رمز_را_عوض_کند", Boolean, default=False, server_default=false(), nullable=False,
           key="must_change"),
)


# A token signed out before its expiry (its jti), kept until then (migration 0005).
RevokedToken = Table(
    "توکن_های_باطل", metadata,
    Column("شناسه_توکن", String(64), primary_key=True, key="jti"),
    Column("انقضا", String(32), index=True, nullable=False, key="expires_at"),
)

Job = Table(
    "کارها", metadata,
    Column("شناسه", String(36), primary_key=True, key="id"),
    Column("نوع", String(32), nullable=False, key="kind"),
    Column("وضعیت", String(16), nullable=False, key="state"),  # queued/running/succeeded/failed
    Column("پیشرفت", Float, default=0.0, nullable=False, key="progress"),
    Column("مرحله", String(32), default="", nullable=False, key="stage"),
    Column("پارامترها", JSON, nullable=False, key="params"),
    Column("نتیجه", JSON, nullable=True, key="result"),
    Column("خطا", JSON, nullable=True, key="error"),
    Column("کلید_یکتایی", String(255), nullable=True, key="idempotency_key"),
    Column("هش_درخواست", String(64), default="", nullable=False, key="request_hash"),
    Column("ایجادکننده", String(64), nullable=False, key="created_by"),
    Column("زمان_ایجاد", String(32), nullable=False, key="created_at"),
    Column("زمان_به_روزرسانی", String(32), nullable=False, key="updated_at"),
    UniqueConstraint("created_by", "idempotency_key"),
)
