"""Public lists for clients' pickers: agencies and categories."""

from sqlalchemy import select

from lapor.api.parsing import Blueprint
from lapor.api.schemas import AgencyOut, CategoryOut
from lapor.extensions import db
from lapor.models import Agency, Category

blp = Blueprint("directory", __name__, description="Agencies and categories")


@blp.route("/agencies")
@blp.response(200, AgencyOut(many=True))
def agencies():
    """Every agency with its parent and time zone."""
    rows = db.session.scalars(select(Agency).order_by(Agency.code))
    return [
        {"code": a.code, "name": a.name, "kind": a.kind, "timezone": a.timezone,
         "parent": a.parent.code if a.parent else None}
        for a in rows
    ]


@blp.route("/categories")
@blp.response(200, CategoryOut(many=True))
def categories():
    """Every category with its parent and SLA policy."""
    rows = db.session.scalars(select(Category).order_by(Category.code))
    return [
        {"code": c.code, "name": c.name, "policy": c.policy_code,
         "parent": c.parent.code if c.parent else None}
        for c in rows
    ]
