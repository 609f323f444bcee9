"""The /api/v1 endpoints. Thin: authenticate, check the scope and the rate, parse, call
voicebot.crm, answer JSON. Every error has the same shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from dateutil import parser as date_parser
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, stream_with_context
from werkzeug.exceptions import HTTPException

from voicebot.api.formats import FORMATS, export_lines
from voicebot.api.openapi import openapi_document
from voicebot.api.ratelimit import RateLimiter, rate_limiter
from voicebot.config import Settings
from voicebot.crm.db import Database
from voicebot.crm.exports import (
    ConfigQuery,
    InvalidCursor,
    get_call_document,
    get_config_document,
    list_calls_after,
    list_configs,
)
from voicebot.crm.merchants import (
    InvalidField,
    InvalidMerchant,
    get_by_external_id,
    merchant_document,
    normalise_merchant,
    upsert_merchant,
)
from voicebot.crm.models import ConfigStatus
from voicebot.crm.privacy import ErasureError, erase_merchant
from voicebot.crm.tokens import find_token
from voicebot.integers import MAX_ID, IntegerError, parse_int, register_id_converter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 500
# Call cursors are ids: any run of up to this many digits is accepted (one past every id
# is simply an empty page), so the document can state exactly what is valid.
CURSOR_DIGITS = 32


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def init_app(app: Flask) -> None:
    register_id_converter(app)
    settings = app.config["VOICEBOT_SETTINGS"]
    app.extensions["voicebot_api_limiter"] = rate_limiter(
        settings.api.rate_limit_per_minute,
        settings.server.redis_url,
        settings.server.redis_key_prefix,
    )

    # Every answer under /api/v1 holds (or refuses) personal data: no cache may keep it.
    # On the app, not the blueprint, so a URL no route matches gets it too.
    @app.after_request
    def _no_store(response: Any) -> Any:
        if request.path.startswith(f"{bp.url_prefix}/") or request.path == bp.url_prefix:
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers.pop("Expires", None)
        return response

    # Errors Flask raises before a view runs (unknown URL, wrong method) get the API's
    # JSON shape too, but only under /api/ so other areas keep their own pages.
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if not request.path.startswith(bp.url_prefix or "/api"):
            return exc
        code = (exc.name or "error").lower().replace(" ", "_")
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return error_response(exc.code or 500, code, exc.description or exc.name, headers)


@bp.before_request
def _refuse_nul_bytes() -> None:
    """PostgreSQL text cannot hold a NUL byte: refuse it here, naming the parameter."""
    for name, value in [*request.args.items(multi=True), *(request.view_args or {}).items()]:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise ApiError(400, "invalid_parameter", f"{name!r} contains a NUL byte")


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Any:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


def _settings() -> Settings:
    return current_app.config["VOICEBOT_SETTINGS"]


def _db() -> Database:
    return current_app.config["VOICEBOT_DB"]


def require(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Bearer-token auth with `scope`, then the token's rate limit."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, plain = header.partition(" ")
            if scheme.lower() != "bearer" or not plain.strip():
                raise ApiError(
                    401,
                    "unauthorized",
                    "send the API token as 'Authorization: Bearer <token>'",
                    {"WWW-Authenticate": "Bearer"},
                )
            with _db().session() as s:
                token = find_token(s, plain.strip())
                found = (token.id, token.name, list(token.scopes)) if token else None
            if found is None:
                raise ApiError(
                    401,
                    "unauthorized",
                    "the API token is unknown or revoked",
                    {"WWW-Authenticate": "Bearer"},
                )
            g.token_id, g.token_name, scopes = found
            if scope not in scopes:
                raise ApiError(403, "insufficient_scope", f"this token lacks the '{scope}' scope")
            limiter: RateLimiter = current_app.extensions["voicebot_api_limiter"]
            allowed, left, wait = limiter.take(g.token_id)
            if not allowed:
                raise ApiError(
                    429,
                    "rate_limited",
                    "too many requests for this token; slow down",
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            response = current_app.make_response(view(*args, **kwargs))
            response.headers["X-RateLimit-Limit"] = str(int(limiter.capacity))
            response.headers["X-RateLimit-Remaining"] = str(left)
            return response

        return wrapper

    return decorator


def _actor() -> str:
    return f"api:{g.token_name}"


# -- parameters ----------------------------------------------------------------------------


def _only(*names: str) -> None:
    """Refuse unknown query parameters: a typo like `update_since` must not silently
    return everything."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        raise ApiError(400, "invalid_parameter", f"unknown parameter {', '.join(unknown)}")


def _limit(default: int = 100) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    try:
        return parse_int(raw, name="limit", minimum=1, maximum=MAX_LIMIT)
    except IntegerError as exc:
        raise ApiError(400, "invalid_parameter", str(exc)) from None


def _time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = date_parser.isoparse(raw)
    except (ValueError, OverflowError):
        raise ApiError(400, "invalid_parameter", f"{name} must be an ISO 8601 time") from None
    if value.tzinfo is None:
        raise ApiError(
            400, "invalid_parameter", f"{name} needs a time zone, e.g. 2026-11-20T10:00:00Z"
        )
    try:
        # 9999-12-31T23:59:59-14:00 parses, but lies past datetime.max once in UTC (and
        # 0001-01-01T00:00:00+14:00 before datetime.min); the database compares in UTC.
        return value.astimezone(UTC)
    except OverflowError:
        raise ApiError(
            400, "invalid_parameter", f"{name} is outside the years 0001 to 9999 in UTC"
        ) from None


def _config_query() -> ConfigQuery:
    raw = request.args.get("status")
    try:
        status = ConfigStatus(raw) if raw is not None else None
    except ValueError:
        choices = ", ".join(s.value for s in ConfigStatus)
        raise ApiError(400, "invalid_parameter", f"status must be one of {choices}") from None
    return ConfigQuery(status=status, updated_since=_time("updated_since"))


# -- endpoints -----------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Any:
    # Never the Host header: a forged one would point clients at another server.
    return jsonify(openapi_document(_settings().server.public_base_url))


@bp.get("/store-configs")
@require("export")
def store_configs() -> Any:
    _only("status", "updated_since", "limit", "cursor")
    query, limit = _config_query(), _limit()
    try:
        with _db().session() as s:
            items, next_cursor = list_configs(
                s, query, limit=limit, cursor=request.args.get("cursor")
            )
    except InvalidCursor as exc:
        raise ApiError(400, "invalid_cursor", str(exc)) from None
    return {"data": items, "next_cursor": next_cursor}


@bp.get("/store-configs/<id:config_id>")
@require("export")
def store_config(config_id: int) -> Any:
    _only()
    with _db().session() as s:
        document = get_config_document(s, config_id)
    if document is None:
        raise ApiError(404, "not_found", f"no store configuration {config_id}")
    return document


@bp.get("/store-configs/export")
@require("export")
def export_configs() -> Any:
    _only("status", "updated_since", "format")
    fmt = request.args.get("format", "ndjson")
    if fmt not in ("csv", "ndjson"):
        raise ApiError(400, "invalid_parameter", "format must be csv or ndjson")
    body = export_lines(_db(), _config_query(), fmt)
    response = Response(stream_with_context(body), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="store-configs.{fmt}"'
    return response


@bp.put("/merchants/<external_id>")
@require("merchants:write")
def put_merchant(external_id: str) -> Any:
    _only()
    try:
        record = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON parser goes
        record = None
    if not isinstance(record, dict):
        raise ApiError(400, "invalid_body", "the body must be a JSON object")
    if record.get("external_id") not in (None, external_id):
        raise ApiError(422, "invalid_merchant", "external_id in the body differs from the URL")
    try:
        data = normalise_merchant({**record, "external_id": external_id})
        with _db().session() as s:
            merchant, created = upsert_merchant(s, data, actor=_actor())
            document = merchant_document(merchant)
    except InvalidField as exc:
        raise ApiError(400, "invalid_field", str(exc)) from None
    except InvalidMerchant as exc:
        raise ApiError(422, "invalid_merchant", str(exc)) from None
    return document, 201 if created else 200


@bp.post("/merchants/<external_id>/erase")
@require("erase")
def erase(external_id: str) -> Any:
    _only()
    try:
        with _db().session() as s:
            merchant = get_by_external_id(s, external_id)
            if merchant is None:
                raise ApiError(404, "not_found", f"no merchant with external_id {external_id!r}")
            report = erase_merchant(
                s, merchant.id, actor=_actor(), recordings_dir=_settings().call.recordings_dir
            )
    except ErasureError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return {"erased": True, **report.as_dict()}


@bp.get("/calls")
@require("calls:read")
def calls() -> Any:
    _only("external_id", "limit", "cursor")
    try:
        after = parse_int(
            request.args.get("cursor", "0"),
            name="cursor",
            maximum=10**CURSOR_DIGITS - 1,
            max_digits=CURSOR_DIGITS,
        )
    except IntegerError:
        raise ApiError(400, "invalid_cursor", "cursor is not one this API handed out") from None
    limit = _limit()
    if after >= MAX_ID:  # past every id there can be
        return {"data": [], "next_cursor": None}
    with _db().session() as s:
        items, next_id = list_calls_after(
            s, external_id=request.args.get("external_id"), after_id=after, limit=limit
        )
    return {"data": items, "next_cursor": str(next_id) if next_id is not None else None}


@bp.get("/calls/<id:call_id>")
@require("calls:read")
def call(call_id: int) -> Any:
    _only()
    with _db().session() as s:
        document = get_call_document(s, call_id)
    if document is None:
        raise ApiError(404, "not_found", f"no call {call_id}")
    return document
