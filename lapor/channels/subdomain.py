"""Agency subdomains: `<subdomain>.<base domain>` serves that agency's own report form.

The host is read on every request (port and case ignored). On an agency's
address the home page is the citizens' form, branded and fixed to the agency,
and what is posted there becomes a `subdomain` report requested to it; every
other page (tracking, replies, the API) works as on the main site. An address
under the base domain that names no agency gets a friendly 404. The base
domain itself, `www.` and any other host are the main site, untouched.
"""

from __future__ import annotations

import hashlib
from functools import partial

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select

from lapor import access
from lapor.channels import Channel, register
from lapor.errors import error_response, wants_json
from lapor.extensions import db
from lapor.i18n import gettext
from lapor.models import Agency, Report, subtree_ids
from lapor.web.citizen import render_home, take_report

CHANNEL = "subdomain"
MAIN_SITE_LABELS = ("", "www")
# Endpoints an agency's address passes on untouched even when it names no agency.
ALWAYS_SERVED = ("static", "health.healthz")

bp = Blueprint("subdomain", __name__)


@bp.before_app_request
def agency_site():
    """Answer the home page on an agency's address; a 404 page on an address naming no agency."""
    label = agency_label(request.host, current_app.config["LAPOR"].base_domain)
    if label is None or request.endpoint in ALWAYS_SERVED:
        return None
    agency = db.session.scalars(select(Agency).where(func.lower(Agency.subdomain) == label)).first()
    if agency is None:
        return unknown_site()
    if request.endpoint == "citizen.home":
        return branded_home(agency)
    if request.endpoint == "citizen.submit":
        return take_report(partial(branded_home, agency), CHANNEL, agency)
    return None


def agency_label(host: str, base_domain: str) -> str | None:
    """The agency part of `host` under `base_domain`; None for the main site or another host."""
    name = host.lower()
    if not name.startswith("["):  # an IPv6 literal is never an agency's address
        name = name.rsplit(":", 1)[0]
    name, base = name.rstrip("."), base_domain.lower().strip(".")
    if not name.endswith("." + base):
        return None
    label = name.removesuffix("." + base).removeprefix("www.")  # www.tangkab. as people type it
    return None if label in MAIN_SITE_LABELS else label


def branded_home(agency: Agency, form=None, errors=None, status: int = 200, reattach: bool = False):
    """The citizens' form in the agency's colours, fixed to it, beside its public reports."""
    reports = access.public_reports().where(Report.agency_id.in_(subtree_ids(agency.id)))
    return render_home(form, errors, status, reattach, template="subdomain/home.html",
                       reports=reports, site=agency, brand=brand_colours(agency.code), zone=agency.timezone)


def brand_colours(code: str) -> dict[str, str]:
    """A colour of the agency's own: stable, and dark enough to carry white text."""
    hue = int(hashlib.sha256(code.encode()).hexdigest()[:4], 16) % 360
    return {"main": f"hsl({hue} 55% 28%)", "dark": f"hsl({hue} 60% 20%)"}


def unknown_site():
    """A friendly 404 that leads to the main site (JSON for API clients, as everywhere)."""
    if wants_json():
        return error_response(404, "not_found", gettext("subdomain.unknown.title"))
    name, _, port = request.host.partition(":")
    base = current_app.config["LAPOR"].base_domain.strip(".")
    main_site = f"{request.scheme}://{base}{':' + port if port else ''}/"
    return render_template("subdomain/unknown.html", host=name, main_site=main_site), 404


class SubdomainChannel(Channel):
    name = CHANNEL
    blueprint = bp


register(SubdomainChannel())
