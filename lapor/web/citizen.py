"""The citizens' site: report form, tracking page, replies, confirmation and rating."""

from flask import Blueprint, render_template

bp = Blueprint("citizen", __name__)


@bp.route("/")
def home():
    return render_template("citizen/home.html")


@bp.route("/laporan/<tracking_id>")
def track(tracking_id):
    return render_template("citizen/home.html")
