"""Language for pages: `?lang=` switches and is remembered in a cookie."""

from flask import request

from lapor.i18n import LANGUAGES, current_language, gettext


def install(app) -> None:
    app.jinja_env.globals.update(_=gettext, current_language=current_language)

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
