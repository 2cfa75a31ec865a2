"""Staff sign-in: bearer tokens for the API, the session cookie for pages."""

from __future__ import annotations

from flask import current_app, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from lapor.extensions import db
from lapor.models import User
from lapor.workflow import Actor, WorkflowError


class Unauthorised(WorkflowError):
    status = 401


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lapor-api-token")


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def issue_token(user: User) -> str:
    # The password hash's tail ties the token to the password: changing it revokes tokens.
    return _serializer().dumps({"u": user.id, "p": user.password_hash[-16:]})


def user_from_token(token: str) -> User | None:
    max_age = current_app.config["LAPOR"].token_max_age_seconds
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("p"):
        return None
    return user


def current_user() -> User | None:
    """The signed-in staff member: bearer token first, then the page session."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_from_token(header[7:].strip())
    if request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS"):
        # The API is exempt from CSRF checks, so a cookie must never authorise a change there:
        # a page on any agency subdomain (the same site) could otherwise post with it.
        return None
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def current_actor() -> Actor | None:
    user = current_user()
    return None if user is None else Actor.staff(user)


def require_staff() -> Actor:
    actor = current_actor()
    if actor is None:
        raise Unauthorised("unauthorised")
    return actor
