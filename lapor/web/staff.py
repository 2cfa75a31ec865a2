"""The staff desk: sign-in and the inbox."""

from flask import Blueprint, render_template

bp = Blueprint("staff", __name__)


@bp.route("/")
def desk():
    return render_template("staff/login.html")
