"""Extension objects, created unbound and wired in `create_app`."""

from __future__ import annotations

from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from marshmallow import Schema, fields
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from lapor.redisconn import RedisExtension

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ErrorOut(Schema):
    """The body of every error answer (documentation only: ``lapor.errors`` builds it)."""

    code = fields.Integer(metadata={"description": "The HTTP status"})
    status = fields.String(metadata={"description": "What went wrong, as a stable code"})
    message = fields.String(metadata={"description": "What went wrong, in the user's language"})
    errors = fields.Raw(metadata={"description": "Details: per field, its messages (an object); "
                                                 "for a rule set, the list of its problems"})


class LaporApi(Api):
    ERROR_SCHEMA = ErrorOut


db = SQLAlchemy(model_class=Base)
api = LaporApi()
csrf = CSRFProtect()
redis_ext = RedisExtension()
