"""Flask application factory: one app serves Twilio's webhooks and media stream, the staff
review pages and the export API. Blueprints stay thin; the work happens in their packages."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from voicebot.config import Settings
from voicebot.crm.db import Database


def create_app(settings: Settings, db: Database | None = None) -> Flask:
    app = Flask(__name__)
    app.config["VOICEBOT_SETTINGS"] = settings
    app.config["VOICEBOT_DB"] = db or Database(
        settings.database_url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    if settings.web.secret_key is not None:
        app.secret_key = settings.web.secret_key.get_secret_value()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.session_cookie_secure,
        MAX_CONTENT_LENGTH=settings.server.max_request_bytes,  # larger bodies: 413
    )
    if settings.server.proxy_hops:
        # Behind a reverse proxy the peer is the proxy: the client's address (login throttle,
        # /metrics allow-list) and scheme come from the headers the trusted hops set.
        hops = settings.server.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # One line per area; each package exposes `register(app)`.
    # -- more areas register below this line --
    import voicebot.telephony

    voicebot.telephony.register(app)
    import voicebot.review

    voicebot.review.register(app)
    import voicebot.api

    voicebot.api.register(app)
    import voicebot.serving.health
    import voicebot.serving.metrics_endpoint

    voicebot.serving.health.register(app)  # /healthz, /readyz
    voicebot.serving.metrics_endpoint.register(app)  # /metrics
