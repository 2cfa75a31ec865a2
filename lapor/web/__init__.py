"""Server-rendered pages: the citizens' site, the staff desk, and the health check."""


def register(app) -> None:
    from lapor.web import i18n, security
    from lapor.web.citizen import bp as citizen_bp
    from lapor.web.desk.public_stats import bp as public_stats_bp
    from lapor.web.health import bp as health_bp
    from lapor.web.staff import bp as staff_bp

    i18n.install(app)
    security.install(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(citizen_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(public_stats_bp)
