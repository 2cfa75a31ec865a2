"""Staff sign-in: bearer tokens for the API, server-side sessions behind the cookie for pages."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, g, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from lapor.clock import utcnow
from lapor.extensions import db
from lapor.models import StaffSession, User
from lapor.workflow import Actor, WorkflowError

log = logging.getLogger(__name__)
# How often a session's last use is written down (its idle time is measured from it).
SEEN_EVERY = timedelta(minutes=5)
KEPT_FOR = timedelta(days=31)


class Unauthorised(WorkflowError):
    status = 401


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lapor-api-token")


@cache
def _stand_in_hash() -> str:
    """A hash of no one's password, checked when there is no account to check, so a refusal
    takes as long for an unknown username as for a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalars(select(User).where(User.username == username)).first() if username else None
    if user is None or not user.active:
        check_password_hash(_stand_in_hash(), password)
        return None
    return user if user.check_password(password) else None


def issue_token(user: User) -> str:
    # The password hash's tail ties the token to the password (a new one revokes it), the stamp
    # to the account's activation (a deactivation revokes it for good).
    return _serializer().dumps({"u": user.id, "p": user.password_hash[-16:], "s": user.token_stamp or ""})


def user_from_token(token: str) -> User | None:
    max_age = current_app.config["LAPOR"].token_max_age_seconds
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("p") \
            or (user.token_stamp or "") != data.get("s", ""):
        return None
    return user


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, now: datetime) -> None:
    """Sign `user` in on this browser: a new session row (committed) and a fresh cookie holding
    only its key; nothing from the session before carries over."""
    _end_this_session(now)  # signing in over someone's session on a shared computer ends theirs
    key = secrets.token_urlsafe(32)
    # The person's sessions long over are let go here, so the table keeps about a month of them.
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id,
                                                  StaffSession.created_at < now - KEPT_FOR))
    db.session.add(StaffSession(key_hash=_key_hash(key), user_id=user.id, created_at=now, seen_at=now))
    db.session.commit()
    session.clear()
    session["sid"] = key


def end_session(now: datetime) -> None:
    """Sign this browser out: its session is ended on the server (committed), the cookie cleared."""
    _end_this_session(now)
    db.session.commit()
    session.clear()


def _end_this_session(now: datetime) -> None:
    key = session.get("sid")
    if isinstance(key, str):
        db.session.execute(update(StaffSession).where(StaffSession.key_hash == _key_hash(key),
                                                      StaffSession.ended_at.is_(None)).values(ended_at=now))


def revoke_access(user: User, now: datetime) -> None:
    """End every desk session and API token of `user` (in the caller's transaction), for good:
    a new password, a deactivation. Tokens carry the stamp changed here, so none issued before
    works again, also once the account is let back."""
    user.token_stamp = secrets.token_hex(8)
    db.session.execute(update(StaffSession).where(StaffSession.user_id == user.id,
                                                  StaffSession.ended_at.is_(None)).values(ended_at=now))


def _session_user(now: datetime) -> User | None:
    key = session.get("sid")
    if not isinstance(key, str):
        return None
    settings = current_app.config["LAPOR"]
    row = db.session.execute(
        select(StaffSession, User).join(User, User.id == StaffSession.user_id)
        .where(StaffSession.key_hash == _key_hash(key), StaffSession.ended_at.is_(None))
    ).first()
    if row is None:
        return None
    found, user = row
    if not user.active or now - found.created_at > timedelta(seconds=settings.session_max_age_seconds) \
            or now - found.seen_at > timedelta(seconds=settings.session_idle_seconds):
        return None
    if now - found.seen_at > SEEN_EVERY:
        _seen(found.id, now)
    return user


def _seen(session_id: int, now: datetime) -> None:
    """Write down that the session was used, on a connection of its own: the request's
    transaction may be rolled back (a read, a refused form) and must not be committed early."""
    try:
        with db.engine.begin() as connection:
            connection.execute(update(StaffSession).where(StaffSession.id == session_id).values(seen_at=now))
    except SQLAlchemyError as exc:  # the next request tries again
        log.warning("could not record a session's use: %s", exc.__class__.__name__)


def current_user() -> User | None:
    """The signed-in staff member: bearer token first, then the page session."""
    if "lapor_user" in g:
        return g.lapor_user
    g.lapor_user = _current_user()
    return g.lapor_user


def _current_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = user_from_token(header[7:].strip())
        if user is None:
            # A token that no longer works is not the same as none: the client must sign in again.
            raise Unauthorised("token_expired")
        return user
    if request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS"):
        # The API is exempt from CSRF checks, so a cookie must never authorise a change there:
        # a page on any agency subdomain (the same site) could otherwise post with it.
        return None
    return _session_user(utcnow())


def current_actor() -> Actor | None:
    user = current_user()
    return None if user is None else Actor.staff(user)


def require_staff() -> Actor:
    actor = current_actor()
    if actor is None:
        raise Unauthorised("unauthorised")
    return actor
