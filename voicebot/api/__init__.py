"""Export REST API under /api/v1 for the platform: token auth with scopes, one JSON error
format, per-token rate limiting, an OpenAPI 3 document, and webhooks on approval."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from voicebot.api.views import bp, init_app

    init_app(app)
    app.register_blueprint(bp)
