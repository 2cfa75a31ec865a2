"""POST /api/v1/auth/token."""

from lapor.api.parsing import Blueprint
from lapor.api.schemas import TokenIn, TokenOut
from lapor.auth import Unauthorised, authenticate, issue_token

blp = Blueprint("auth", __name__, description="Staff authentication")


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
def token(args):
    """Exchange a staff username and password for a bearer token."""
    from flask import current_app

    user = authenticate(args["username"], args["password"])
    if user is None:
        raise Unauthorised("invalid_credentials")
    return {
        "access_token": issue_token(user),
        "token_type": "Bearer",
        "expires_in": current_app.config["LAPOR"].token_max_age_seconds,
    }
