"""The JSON API under /api/v1, documented by flask-smorest."""


def register(app, api, csrf) -> None:
    from lapor.api.audit import blp as audit_blp
    from lapor.api.auth import blp as auth_blp
    from lapor.api.directory import blp as directory_blp
    from lapor.api.escalations import blp as escalations_blp
    from lapor.api.reports import blp as reports_blp
    from lapor.api.rules import blp as rules_blp
    from lapor.api.scorecards import blp as scorecards_blp
    from lapor.api.sla import blp as sla_blp

    blueprints = (reports_blp, escalations_blp, sla_blp, scorecards_blp, auth_blp, directory_blp, rules_blp,
                  audit_blp)
    for blueprint in blueprints:
        csrf.exempt(blueprint)  # token-authenticated, no cookies trusted
        api.register_blueprint(blueprint, url_prefix="/api/v1")
