"""The review pages. Thin: parse the request, check the login, call voicebot.crm, render."""

from __future__ import annotations

import enum
import math
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from voicebot.config import Settings
from voicebot.crm import login_throttle
from voicebot.crm.db import Database
from voicebot.crm.models import CallOutcome, CallStatus, ConfigStatus, FieldSource, utcnow
from voicebot.crm.privacy import ErasureError, erase_merchant, recording_file
from voicebot.crm.review_queries import (
    CALL_SORTS,
    CallFilter,
    dashboard,
    get_call_detail,
    get_merchant_detail,
    list_calls,
    list_merchants_page,
    mark_calls_reviewed,
    request_human_callback,
)
from voicebot.crm.staff import check_login, end_session, start_session
from voicebot.crm.store_configs import (
    ConfigStateError,
    accept_proposal,
    get_config,
    reject,
    reopen,
    set_field,
)
from voicebot.integers import IntegerError, parse_id, parse_int, register_id_converter
from voicebot.outbound_webhooks.approval import approve_configuration
from voicebot.review.auth import SESSION_KEY, actor, admin_required, load_staff, login_required
from voicebot.review.login_guard import remember_device, throttle_rules

bp = Blueprint(
    "review",
    __name__,
    url_prefix="/review",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf = CSRFProtect()
E = TypeVar("E", bound=enum.Enum)


def init_app(app: Flask) -> None:
    # CSRF is checked on the review blueprint only: Twilio webhooks and the token API are
    # not cookie-authenticated, so they have no CSRF exposure and no token to send.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # Set, not setdefault: Flask already has a default (31 days) that would win.
    app.config["PERMANENT_SESSION_LIFETIME"] = _session_lifetime(app.config["VOICEBOT_SETTINGS"])
    register_id_converter(app)
    csrf.init_app(app)
    app.after_request(_security_headers)


def _session_lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.web.session_hours)


def _settings() -> Settings:
    return current_app.config["VOICEBOT_SETTINGS"]


def _db() -> Database:
    return current_app.config["VOICEBOT_DB"]


@bp.before_request
def _before() -> None:
    csrf.protect()
    load_staff()


# Pages show personal data and carry state-changing forms: no framing, no caching, no
# scripts or styles from anywhere but our own static files.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self';"
    " img-src 'self' data:; media-src 'self'; object-src 'none'; base-uri 'none';"
    " form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _security_headers(response: Any) -> Any:
    """On every answer under /review, errors included. Registered on the app, not the
    blueprint: a URL no route matches (werkzeug's 404, an id the converter refuses, a wrong
    method) belongs to no blueprint, so a blueprint's after_request never sees it."""
    if request.path != bp.url_prefix and not request.path.startswith(f"{bp.url_prefix}/"):
        return response
    response.headers.update(SECURITY_HEADERS)
    if request.endpoint != "review.static" or response.status_code >= 400:
        # our CSS and JS hold nothing personal and may be cached; nothing else may
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


@bp.before_request
def _refuse_nul_bytes() -> Any:
    """No database text can hold a NUL byte: a clear 400 instead of a database error."""
    values = [*request.args.items(multi=True), *request.form.items(multi=True)]
    values += [(k, v) for k, v in (request.view_args or {}).items() if isinstance(v, str)]
    bad = next((name for name, value in values if "\x00" in name + value), None)
    if bad is not None:
        message = f"{bad.replace(chr(0), '?')!r} contains a NUL byte."
        return render_template("review/error.html", title="Bad request", message=message), 400
    return None


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> Any:
    return render_template(
        "review/error.html", title="Form expired", message=error.description
    ), 400


@bp.app_template_filter("when")
def _when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(_settings().web.display_timezone)).strftime(fmt)


@bp.app_template_filter("duration")
def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


@bp.app_template_filter("show_value")
def _show_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@bp.context_processor
def _context() -> dict[str, Any]:
    return {"staff": g.get("staff"), "low_confidence": _settings().web.low_confidence}


def _safe_next(default: str) -> str:
    target = request.values.get("next") or ""
    # Only paths inside the review UI, so the login page cannot redirect elsewhere.
    return target if target.startswith("/review") and "//" not in target else default


# -- login ---------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        return _log_in(request.form.get("email", ""), request.form.get("password", ""))
    if g.staff is not None:
        return redirect(url_for("review.dashboard_page"))
    return render_template("review/login.html", email="")


def _log_in(email: str, password: str) -> Any:
    """One answer for every failure; throttled per address and account, or per device."""
    web = _settings().web
    rules = throttle_rules(email, web)
    shown_email = email[:320].replace("\x00", "")
    with _db().session() as s:
        wait = login_throttle.seconds_to_wait(s, list(rules))
        if wait > 0:
            attempt, token = None, None
        else:
            attempt = check_login(s, email, password)
            if attempt.user is not None:
                login_throttle.forget(s, list(rules))
                token = start_session(s, attempt.user, _session_lifetime(_settings()))
            else:
                login_throttle.record_failure(s, rules)
                token = None
    if attempt is None:
        seconds = max(1, math.ceil(wait))
        flash(f"Too many failed logins: try again in {seconds} seconds.", "error")
        page = render_template("review/login.html", email=shown_email)
        return page, 429, {"Retry-After": str(seconds)}
    if token is None:
        flash(attempt.error or "login failed", "error")
        return render_template("review/login.html", email=shown_email), 401
    session.clear()  # a fresh session on login: no fixation
    session.permanent = True
    session[SESSION_KEY] = token
    response = redirect(_safe_next(url_for("review.dashboard_page")))
    remember_device(response, email, web)
    return response


@bp.post("/logout")
def logout() -> Any:
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        with _db().session() as s:
            end_session(s, token)  # a copy of the cookie opens nothing any more
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("review.login"))


# -- dashboard -----------------------------------------------------------------------------


@bp.get("/")
@login_required
def dashboard_page() -> Any:
    tz = ZoneInfo(_settings().web.display_timezone)
    with _db().session() as s:
        board = dashboard(s, today=utcnow().astimezone(tz).date(), days=14, tz=tz)
    peak = max([d.calls for d in board.days] + [1])
    return render_template("review/dashboard.html", board=board, peak=peak)


# -- calls ---------------------------------------------------------------------------------


def _enum_arg(kind: type[E], name: str) -> E | None:
    raw = request.args.get(name) or None
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        flash(f"Unknown {name} {raw!r} ignored.", "error")
        return None


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name) or None
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(f"{name.replace('_', ' ')} {raw!r} is not a date (YYYY-MM-DD); ignored.", "error")
        return None


def _page_arg() -> int:
    try:
        return parse_int(request.args.get("page", "1"), name="page", minimum=1, maximum=100_000)
    except IntegerError as exc:
        flash(f"{exc}; showing page 1.", "error")
        return 1


@bp.get("/calls")
@login_required
def calls_page() -> Any:
    review = request.args.get("review", "")
    sort = request.args.get("sort", "started")
    flt = CallFilter(
        status=_enum_arg(CallStatus, "status"),
        outcome=_enum_arg(CallOutcome, "outcome"),
        language=request.args.get("language") or None,
        date_from=_date_arg("date_from"),
        date_to=_date_arg("date_to"),
        timezone=ZoneInfo(_settings().web.display_timezone),
        needs_review={"yes": True, "no": False}.get(review),
        search=request.args.get("q") or None,
        sort=sort if sort in CALL_SORTS else "started",
        descending=request.args.get("dir", "desc") != "asc",
    )
    with _db().session() as s:
        page = list_calls(s, flt, page=_page_arg(), page_size=_settings().web.page_size)
    return render_template(
        "review/calls.html",
        page=page,
        flt=flt,
        args=request.args,
        statuses=list(CallStatus),
        outcomes=list(CallOutcome),
        languages=_settings().dialog.languages,
    )


@bp.get("/calls/<id:call_id>")
@login_required
def call_page(call_id: int) -> Any:
    with _db().session() as s:
        detail = get_call_detail(s, call_id)
        if detail is None:
            abort(404)
        proposals = _proposals(detail.config)
    return render_template("review/call.html", d=detail, proposals=proposals)


def _proposals(config: Any) -> dict[str, Any]:
    """Values a call or the API proposed after staff set the field (kept, not applied)."""
    found: dict[str, Any] = {}
    for f in config.fields if config else []:
        if f.source is FieldSource.STAFF and f.history:
            newest = f.history[-1]
            if newest.source is not FieldSource.STAFF:
                found[f.name] = newest
    return found


@bp.get("/calls/<id:call_id>/recording")
@login_required
def call_recording(call_id: int) -> Any:
    with _db().session() as s:
        detail = get_call_detail(s, call_id)
        path = detail.call.recording_path if detail else None
    if not path:
        abort(404)
    file = recording_file(path, _settings().call.recordings_dir)
    if not file.is_file():
        abort(404)
    # conditional=True answers Range requests with 206, which the audio element needs to seek.
    return send_file(file.resolve(), mimetype="audio/wav", conditional=True, max_age=0)


# -- configuration changes -----------------------------------------------------------------


# The largest whole number every JSON reader (JavaScript, spreadsheets) keeps exactly.
FIELD_NUMBER_MAX = 2**53 - 1
_THOUSANDS_SPACES = str.maketrans("", "", " \u00a0\u202f")  # "1 200", as Polish writes it


def _parse_edit(old: Any, text: str, label: str) -> Any:
    """The typed text as the field's kind of value. A number field takes only a bounded
    whole number of ASCII digits (IntegerError naming `label` otherwise): int() would take
    "١٢", "1_000" or 5,000 digits, and storing refused text would turn a number into words."""
    text = text.strip()
    if text == "":
        return None
    if isinstance(old, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(old, bool):
        return text.lower() in {"yes", "true", "1", "tak"}
    if isinstance(old, int):
        return parse_int(text.translate(_THOUSANDS_SPACES), name=label, maximum=FIELD_NUMBER_MAX)
    return text


def _back(merchant_id: int) -> Any:
    return redirect(_safe_next(url_for("review.merchant_page", merchant_id=merchant_id)))


@bp.post("/merchants/<id:merchant_id>/fields/<name>")
@login_required
def edit_field(merchant_id: int, name: str) -> Any:
    with _db().session() as s:
        config = get_config(s, merchant_id)
        field = next((f for f in config.fields if f.name == name), None) if config else None
        if field is None:
            abort(404)
        if config.status is ConfigStatus.APPROVED:
            flash("This configuration is approved; reopen it before editing.", "error")
            return _back(merchant_id)
        label = name.replace("_", " ").capitalize()
        try:
            value = _parse_edit(field.value, request.form.get("value", ""), label)
        except IntegerError as exc:
            flash(f"{exc}; {name.replace('_', ' ')} not changed.", "error")
            return _back(merchant_id)
        update = set_field(
            s, merchant_id, name, value, source=FieldSource.STAFF, actor=actor(), confirmed=True
        )
    flash(f"{label} set to “{_show_value(update.after)}”.", "ok")
    return _back(merchant_id)


@bp.post("/merchants/<id:merchant_id>/fields/<name>/accept")
@login_required
def accept_field(merchant_id: int, name: str) -> Any:
    try:
        with _db().session() as s:
            update = accept_proposal(s, merchant_id, name, actor=actor())
        flash(f"Accepted the proposed {name}: “{_show_value(update.after)}”.", "ok")
    except ConfigStateError as exc:
        flash(str(exc), "error")
    return _back(merchant_id)


@bp.post("/merchants/<id:merchant_id>/approve")
@login_required
def approve_config(merchant_id: int) -> Any:
    note = request.form.get("note") or None
    try:
        approval = approve_configuration(_db(), _settings(), merchant_id, actor=actor(), note=note)
    except ConfigStateError as exc:
        flash(str(exc), "error")
        return _back(merchant_id)
    if approval.sending_problem:
        flash(f"Approved, but webhooks were not sent: {approval.sending_problem}", "error")
    else:
        flash("Configuration approved.", "ok")
    return _back(merchant_id)


@bp.post("/merchants/<id:merchant_id>/reject")
@login_required
def reject_config(merchant_id: int) -> Any:
    try:
        with _db().session() as s:
            reject(s, merchant_id, actor=actor(), note=request.form.get("note") or None)
            mark_calls_reviewed(s, merchant_id)
        flash("Configuration rejected.", "ok")
    except ConfigStateError as exc:
        flash(str(exc), "error")
    return _back(merchant_id)


@bp.post("/merchants/<id:merchant_id>/reopen")
@admin_required
def reopen_config(merchant_id: int) -> Any:
    try:
        with _db().session() as s:
            reopen(s, merchant_id, actor=actor())
        flash("Configuration reopened for editing.", "ok")
    except ConfigStateError as exc:
        flash(str(exc), "error")
    return _back(merchant_id)


@bp.post("/merchants/<id:merchant_id>/callback")
@login_required
def human_callback(merchant_id: int) -> Any:
    call_id = request.form.get("call_id", "")
    try:
        with _db().session() as s:
            request_human_callback(
                s,
                merchant_id,
                actor=actor(),
                note=request.form.get("note") or None,
                call_id=parse_id(call_id),
            )
        flash("A person will call this merchant back.", "ok")
    except LookupError:
        abort(404)
    return _back(merchant_id)


# -- merchants -----------------------------------------------------------------------------


@bp.get("/merchants")
@login_required
def merchants_page() -> Any:
    opted = request.args.get("opted_out", "")
    with _db().session() as s:
        page = list_merchants_page(
            s,
            search=request.args.get("q") or None,
            opted_out={"yes": True, "no": False}.get(opted),
            page=_page_arg(),
            page_size=_settings().web.page_size,
        )
    return render_template("review/merchants.html", page=page, args=request.args)


@bp.get("/merchants/<id:merchant_id>")
@login_required
def merchant_page(merchant_id: int) -> Any:
    with _db().session() as s:
        detail = get_merchant_detail(s, merchant_id)
        if detail is None:
            abort(404)
    return render_template("review/merchant.html", d=detail)


@bp.post("/merchants/<id:merchant_id>/erase")
@admin_required
def erase(merchant_id: int) -> Any:
    if request.form.get("confirm") != "ERASE":
        flash("Type ERASE to confirm the erasure.", "error")
        return _back(merchant_id)
    try:
        with _db().session() as s:
            report = erase_merchant(
                s, merchant_id, actor=actor(), recordings_dir=_settings().call.recordings_dir
            )
        flash(
            f"Erased: {report.calls} calls, {report.recordings_deleted} recordings,"
            f" {report.turns_deleted} transcript turns.",
            "ok",
        )
    except ErasureError as exc:
        flash(str(exc), "error")
    return redirect(url_for("review.merchant_page", merchant_id=merchant_id))


def page_url(page: int) -> str:
    args = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "review.calls_page", **(request.view_args or {}), **args)


def sort_url(column: str) -> str:
    args = request.args.to_dict()
    same = args.get("sort", "started") == column
    args.update(sort=column, dir="asc" if same and args.get("dir", "desc") == "desc" else "desc")
    args.pop("page", None)
    return url_for("review.calls_page", **args)


bp.add_app_template_global(page_url)
bp.add_app_template_global(sort_url)
