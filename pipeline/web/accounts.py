"""The people who use the pages: accounts with one role and their agencies, passwords hashed
with Argon2id (argon2-cffi), a lock-out after repeated failures, and a log of what each did
that is not already a dossier's event (logins, refusals, downloads).

A role is what a person may do; an agency list is which dossiers they may see (an agency and
the units under it). Outside them a dossier is "not found", as in the API.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.errors import Refusal, SohoaError
from pipeline.indicators import within
from storage.catalogue import Catalogue
from storage.tables import Base, UtcDateTime, utc_now

ROLES = ("scanner", "reviewer", "archivist", "manager", "admin")
RIGHTS = {  # what each role may do; admin may do everything
    "desk": {"scanner", "reviewer"},  # the queue and a dossier's page
    "attach": {"scanner", "reviewer"},  # rescanned pages, separator sheets
    "review": {"reviewer"},  # correct a field, take a reusable paper, approve
    "archive": {"archivist", "reviewer"},  # search, the archived dossier, its PDFs
    "indicators": {"manager"},
}
_HASHER = PasswordHasher()  # Argon2id with the library's current parameters


class UnknownRole(Refusal):
    code = "unknown_role"
    vi = "Vai trò {role} không có; chọn một trong: {allowed}."
    en = "no role {role}; use one of: {allowed}"


class UserExists(Refusal):
    code = "user_exists"
    vi = "Đã có người dùng {name}."
    en = "user {name} exists"


class UnknownUser(SohoaError):
    code, exit_status, http_status = "unknown_user", 1, 404
    vi = "Không có người dùng {name}."
    en = "no user {name}"


class WeakPassword(Refusal):
    code = "weak_password"
    vi = "Mật khẩu cần ít nhất {minimum} ký tự."
    en = "a password needs at least {minimum} characters"


class LoginRefused(SohoaError):
    code, exit_status, http_status = "login_refused", 1, 401
    vi = "Sai tên đăng nhập hoặc mật khẩu."
    en = "wrong user name or password"


class AccountLocked(SohoaError):
    code, exit_status, http_status = "account_locked", 1, 423
    vi = "Tài khoản tạm khóa sau nhiều lần đăng nhập sai: thử lại sau {minutes} phút."
    en = "account locked after repeated failed logins: try again in {minutes} minutes"


class Forbidden(SohoaError):
    code, exit_status, http_status = "forbidden", 1, 403
    vi = "Vai trò của bạn không được làm việc này."
    en = "your role may not do this"


MIN_PASSWORD = 10


class UserRow(Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    agencies: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed logins in a row
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    def may(self, right: str) -> bool:
        return self.role == "admin" or self.role in RIGHTS[right]

    def sees(self, agency: str) -> bool:
        """Whether a dossier of ``agency`` is this user's to see."""
        return within(agency, set(self.agencies))


class AccountEventRow(Base):
    """What a person did that is no dossier's event: logins, lock-outs, refusals, downloads."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class Accounts:
    """The accounts of one catalogue database."""

    def __init__(self, catalogue: Catalogue, failures: int = 5, lock_minutes: int = 15):
        self.catalogue, self.failures, self.lock_minutes = catalogue, failures, lock_minutes

    def add(self, name: str, role: str, agencies: list[str], password: str) -> UserRow:
        if role not in ROLES:
            raise UnknownRole(role=role, allowed=", ".join(ROLES))
        if len(password) < MIN_PASSWORD:
            raise WeakPassword(minimum=MIN_PASSWORD)
        with self.catalogue.writing() as session:
            if session.get(UserRow, name) is not None:
                raise UserExists(name=name)
            row = UserRow(name=name, role=role, agencies=sorted(set(agencies)),
                          password_hash=_HASHER.hash(password), disabled=False, failures=0)
            session.add(row)
            session.add(AccountEventRow(user=name, action="created", detail={"role": role}))
            return row

    def reset(self, name: str, password: str) -> None:
        """A new password (and the lock lifted), as an administrator sets it."""
        if len(password) < MIN_PASSWORD:
            raise WeakPassword(minimum=MIN_PASSWORD)
        with self.catalogue.writing() as session:
            row = session.get(UserRow, name)
            if row is None:
                raise UnknownUser(name=name)
            row.password_hash, row.failures, row.locked_until = _HASHER.hash(password), 0, None
            session.add(AccountEventRow(user=name, action="password_reset", detail={}))

    def ensure(self, name: str, role: str, agencies: list[str], password: str) -> None:
        """The account exists with this password, made or reset (the demo's, each run)."""
        try:
            self.reset(name, password)
        except UnknownUser:
            self.add(name, role, agencies, password)

    def users(self) -> list[UserRow]:
        with self.catalogue.reading() as session:
            return list(session.scalars(select(UserRow).order_by(UserRow.name)))

    def user(self, name: str) -> UserRow | None:
        """An active user, or ``None`` (unknown or disabled)."""
        with self.catalogue.reading() as session:
            row = session.get(UserRow, name)
            return row if row is not None and not row.disabled else None

    def disable(self, name: str) -> None:
        with self.catalogue.writing() as session:
            row = session.get(UserRow, name)
            if row is None:
                raise UnknownUser(name=name)
            row.disabled = True
            session.add(AccountEventRow(user=name, action="disabled", detail={}))

    def login(self, name: str, password: str, now: datetime | None = None) -> UserRow:
        """The user, once the password matches; a lock-out after ``failures`` wrong ones in a
        row. An unknown name costs the same hashing as a known one."""
        now = now or datetime.now(timezone.utc)
        refusal: SohoaError | None = None
        with self.catalogue.writing() as session:
            row = session.get(UserRow, name)
            if row is None or row.disabled:
                _verifies(_dummy_hash(), password)
                refusal = LoginRefused()
            elif row.locked_until and row.locked_until > now:
                session.add(AccountEventRow(user=name, action="login_locked", detail={}))
                refusal = AccountLocked(
                    minutes=max(1, round((row.locked_until - now).total_seconds() / 60)))
            elif not _verifies(row.password_hash, password):
                row.failures += 1
                detail: dict[str, Any] = {"failures": row.failures}
                if row.failures >= self.failures:
                    row.locked_until, row.failures = now + timedelta(minutes=self.lock_minutes), 0
                    detail["locked_until"] = row.locked_until.isoformat()
                session.add(AccountEventRow(user=name, action="login_failed", detail=detail))
                refusal = LoginRefused()
            else:
                row.failures, row.locked_until = 0, None
                if _HASHER.check_needs_rehash(row.password_hash):
                    row.password_hash = _HASHER.hash(password)
                session.add(AccountEventRow(user=name, action="login", detail={}))
        if refusal is not None:  # raised once the failure is committed
            raise refusal
        return row

    def record(self, user: str, action: str, detail: dict[str, Any]) -> None:
        with self.catalogue.writing() as session:
            session.add(AccountEventRow(user=user, action=action, detail=detail))

    def log(self, user: str | None = None) -> list[AccountEventRow]:
        with self.catalogue.reading() as session:
            query = select(AccountEventRow).order_by(AccountEventRow.id)
            if user:
                query = query.where(AccountEventRow.user == user)
            return list(session.scalars(query))


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("no such user, same cost")


def _verifies(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
