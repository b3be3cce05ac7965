"""Staff accounts: Argon2 password hashes, roles, and a brake on password guessing.

A login fails the same way for an unknown name and a wrong password. After LOGIN_MAX_FAILURES
failures within LOGIN_WINDOW_MINUTES for one username (four times as many from one address),
further tries are refused until the window has passed; the failures are counted by keyed hash, never stored in clear.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from bot.crypto import Vault
from bot.store.models import DirectoryEntry, LoginFailure, Role, User

MIN_PASSWORD = 12
ADDRESS_FACTOR = 4
"""An address may fail this many times more than one username (an office behind one proxy)."""
_hasher = PasswordHasher()
# Verified when the username is unknown, so that both failures take as long.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class AccountError(Exception):
    """A request about accounts that cannot be done; the message says why."""


class TooManyFailures(AccountError):
    """Logins for this name or from this address are paused for a while."""


def create_user(db: DbSession, username: str, role: str, password: str, now: datetime,
                partner_key: str | None = None) -> User:
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("a username is letters, digits, '.', '_' or '-' (at most 64)")
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role '{role}' (known: {', '.join(r.value for r in Role)})")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user '{username}' already exists")
    directory_id = None
    if role == Role.PARTNER.value:
        if not partner_key:
            raise AccountError("a partner account needs --partner: the id of her committee or councillor "
                               "in the directory")
        directory_id = db.scalar(select(DirectoryEntry.id).where(DirectoryEntry.key == partner_key))
        if directory_id is None:
            raise AccountError(f"no directory entry '{partner_key}' (see flask --app app directory list)")
    elif partner_key:
        raise AccountError("--partner is only for the partner role")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, directory_id=directory_id,
                active=True, created_at=now)
    db.add(user)
    db.flush()
    return user


def authenticate(db: DbSession, vault: Vault, username: str, password: str, address: str, now: datetime,
                 max_failures: int, window_minutes: int) -> User:
    """The user, or AccountError (wrong name or password) / TooManyFailures. Commits nothing itself."""
    by_name, by_address = vault.key_hash(f"user:{username.strip().lower()}"), vault.key_hash(f"ip:{address}")
    since = now - timedelta(minutes=window_minutes)
    db.execute(delete(LoginFailure).where(LoginFailure.created_at < since))
    counts = dict(db.execute(select(LoginFailure.key_hash, func.count()).where(
        LoginFailure.key_hash.in_([by_name, by_address])).group_by(LoginFailure.key_hash)).all())
    # One address may be a whole office behind one proxy: it gets more tries than one username.
    if counts.get(by_name, 0) >= max_failures or counts.get(by_address, 0) >= max_failures * ADDRESS_FACTOR:
        raise TooManyFailures(f"Too many failed logins. Try again in {window_minutes} minutes.")
    user = db.scalars(select(User).where(User.username == username.strip().lower())).one_or_none()
    if not _verify(user.password_hash if user else _DUMMY_HASH, password) or user is None or not user.active:
        db.add_all([LoginFailure(key_hash=key, created_at=now) for key in (by_name, by_address)])
        raise AccountError("Wrong username or password.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
