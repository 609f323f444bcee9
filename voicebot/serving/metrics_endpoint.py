"""/metrics: the Prometheus exposition, for allowed networks or the bearer token only; the
same rule on the dialer's own metrics port (``start_dialer_metrics_server``)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST

from voicebot.config import Settings
from voicebot.observability.metrics import dialer_exposition, exposition

log = logging.getLogger(__name__)


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


# -- the dialer's metrics port ----------------------------------------------------------------
class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def dialer_metrics_app(settings: Settings) -> Callable[..., Iterable[bytes]]:
    """A WSGI app serving the dialer's metrics at / and /metrics, under the /metrics rule."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/") not in ("/", "/metrics"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if not may_read_metrics(settings, environ.get("REMOTE_ADDR"), authorization):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"forbidden\n"]
        body = dialer_exposition()
        headers = [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    return app


class DialerMetricsServer:
    """The dialer's metrics on a port of its own, in a daemon thread; ``close`` stops it."""

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        server_class = _ThreadingServer6 if ":" in host else _ThreadingServer
        self._server = make_server(
            host,
            port,
            dialer_metrics_app(settings),
            server_class=server_class,
            handler_class=_QuietHandler,
        )
        self.host, self.port = host, self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="dialer-metrics", daemon=True
        )
        self._thread.start()
        log.info("dialer metrics on http://%s:%d/metrics", host, self.port)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
