"""Rate limits on public intake and on sign-in (flask-limiter, counted in Redis).

Limits are chosen per endpoint when a request arrives, so the blueprints
stay free of limiter decorators; every other request is exempt.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Endpoint (POST only) -> which limit applies.
LIMITED = {
    "citizen.submit": "intake",
    "reports.create_report": "intake",
    "open311.create_request": "intake",
    "staff.sign_in": "login",
    "auth.token": "login",
}
# Carrier-grade NAT puts many citizens behind one address: intake limits stay generous.
DEFAULTS = {"intake": "30 per minute;300 per hour", "login": "10 per minute;50 per hour"}


def _limit_for_request() -> str:
    kind = LIMITED.get(request.endpoint or "", "intake")
    return current_app.config.get(f"LAPOR_RATE_{kind.upper()}", DEFAULTS[kind])


def _exempt() -> bool:
    return request.method != "POST" or request.endpoint not in LIMITED


def storage_uri(redis_url: str | None) -> str:
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


limiter = Limiter(
    get_remote_address,
    default_limits=[_limit_for_request],
    default_limits_per_method=True,
    default_limits_exempt_when=_exempt,
    # If Redis is down, count in memory rather than refuse citizens' reports.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    headers_enabled=True,
    key_prefix="lapor-rate",
)
