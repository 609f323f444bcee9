"""Staff review UI: server-rendered pages under /review for reviewing calls, correcting
and approving store configurations, and looking after merchants."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from voicebot.review.views import bp, init_app

    init_app(app)
    app.register_blueprint(bp)
