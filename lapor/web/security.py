"""Security headers on every response, and a Content-Security-Policy for pages.

Pages load scripts and styles from this site only. The one inline style (an
agency subdomain's brand colours) carries the request's nonce. The API's
browsable docs page is the exception: Swagger UI starts from an inline script and
styles itself inline, so that page alone allows inline code. Everything else
(JSON, files) may load nothing at all.
"""

from __future__ import annotations

import secrets

from flask import g, request

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def csp_nonce() -> str:
    """This request's nonce for an inline <style> (made on first use)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def policy_for(path: str, mimetype: str | None, docs_path: str) -> str:
    if path.startswith(docs_path):
        return DOCS_POLICY
    if mimetype == "text/html":
        return PAGE_POLICY.format(nonce=csp_nonce())
    return NOTHING_POLICY


def install(app) -> None:
    app.jinja_env.globals.update(csp_nonce=csp_nonce)
    hsts = app.config["LAPOR"].secure_cookies  # served over HTTPS
    docs_path = f"{app.config['OPENAPI_URL_PREFIX'].rstrip('/')}/{app.config['OPENAPI_SWAGGER_UI_PATH']}"

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy_for(request.path, response.mimetype, docs_path))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith(("/api/", "/open311/")):
            # The same address answers the public, a reporter (X-Access-Token) and staff (a bearer
            # token) differently: a shared cache must key on those, and keep no private answer.
            response.vary.update(("Authorization", "X-Access-Token"))
            if request.headers.get("Authorization") or request.headers.get("X-Access-Token"):
                headers["Cache-Control"] = "no-store"
        return response
