"""/metrics: the Prometheus exposition, for allowed networks or the bearer token only."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from voicebot.config import Settings
from voicebot.observability.metrics import exposition


def may_read_metrics(settings: Settings, remote_addr: str | None, authorization: str) -> bool:
    """From an allowed network, or with the metrics token as a Bearer token."""
    token = settings.server.metrics_token
    if token is not None and authorization.startswith("Bearer "):
        offered = authorization.removeprefix("Bearer ").strip()
        if hmac.compare_digest(offered.encode(), token.get_secret_value().encode()):
            return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    networks = (ipaddress.ip_network(n, strict=False) for n in settings.server.metrics_allow)
    return any(address in network for network in networks)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    settings: Settings = current_app.config["VOICEBOT_SETTINGS"]
    authorization = request.headers.get("Authorization", "")
    if not may_read_metrics(settings, request.remote_addr, authorization):
        return Response("forbidden\n", status=403, mimetype="text/plain")
    body = exposition(current_app.config["VOICEBOT_DB"])
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
