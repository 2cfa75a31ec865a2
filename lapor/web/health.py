"""GET /healthz: what a load balancer asks before sending traffic."""

from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lapor.extensions import db, redis_ext

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    status = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        status["database"] = "down"
    try:
        redis_ext.client().ping()
    except (RedisError, OSError):
        status["redis"] = "down"
    healthy = all(v == "ok" for v in status.values())
    return jsonify(status), 200 if healthy else 503
