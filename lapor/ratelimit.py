"""Rate limits on public intake and on sign-in (flask-limiter, counted in Redis).

Per address: limits are chosen per endpoint when a request arrives, so the
blueprints stay free of limiter decorators; every other request is exempt.
Per phone number: intake counts every new report by its reporter's number,
whatever the channel (web, API, Open311, SMS), in the same storage.
"""

from __future__ import annotations

import logging

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.errors import StorageError
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from lapor.workflow import WorkflowError

log = logging.getLogger(__name__)

# Endpoints (POST only) limited per address, each on its own count.
INTAKE = frozenset({"citizen.submit", "reports.create_report", "open311.create_request"})
# The doors staff sign in by: one count per address for both, so a guesser gets the budget once.
SIGN_IN = frozenset({"staff.sign_in", "auth.token"})
# Carrier-grade NAT puts many citizens behind one address: intake limits stay generous.
DEFAULTS = {"intake": "30 per minute;300 per hour", "login": "10 per minute;50 per hour",
            "phone": "5 per minute;30 per hour;100 per day",
            # An SMS past the phone limit is told so once an hour, not at every message.
            "phone_refusal": "1 per hour"}


class TooManyReports(WorkflowError):
    """This phone number has sent as many reports as it may for now."""

    status = 429

    def __init__(self):
        super().__init__("too_many_reports")


def _limit(kind: str):
    return lambda: current_app.config.get(f"LAPOR_RATE_{kind.upper()}", DEFAULTS[kind])


def _exempt_but(endpoints: frozenset[str]):
    return lambda: request.method != "POST" or request.endpoint not in endpoints


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def init_limits(app) -> None:
    """Rate limits for ``app``: a limiter of its own (flask-limiter keeps its storage on the
    limiter, so a limiter shared by two apps would count in whichever was set up last), and
    the counter of reports per phone number in the same storage."""
    limiter = Limiter(
        get_remote_address,
        default_limits=[_limit("intake")],
        default_limits_per_method=True,
        default_limits_exempt_when=_exempt_but(INTAKE),
        # Application limits are counted across endpoints: sign-in, on the desk and the API.
        application_limits=[_limit("login")],
        application_limits_exempt_when=_exempt_but(SIGN_IN),
        # If Redis is down, count in memory rather than refuse citizens' reports.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=True,
        key_prefix="lapor-rate",
    )
    limiter.init_app(app)
    if app.config.get("RATELIMIT_ENABLED", True):  # a disabled limiter opens no storage
        app.extensions["lapor-phone-limits"] = FixedWindowRateLimiter(limiter.storage)


def count_report_from(phone: str | None, kind: str = "phone") -> None:
    """Count one new report from ``phone`` (already normalised); raise TooManyReports past the
    limit. With the storage down the report is let through: citizens are not refused for it."""
    if not phone or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    counter = current_app.extensions["lapor-phone-limits"]
    items = parse_many(_limit(kind)())
    try:
        for item in items:
            if not counter.hit(item, kind, phone):
                raise TooManyReports()
    except (StorageError, RedisError, ConnectionError) as exc:
        log.warning("rate limit storage unavailable, report from a phone not counted: %s", exc)
