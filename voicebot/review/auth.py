"""Staff sessions: who is logged in, and decorators that require a login or a role.

The signed Flask cookie carries only a random session token; the session itself lives in
the database (voicebot.crm.staff), so logout, a password change or removing the account
ends it everywhere, and it expires after web.session_hours whatever the cookie says."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for

from voicebot.crm.models import StaffRole
from voicebot.crm.staff import session_user

SESSION_KEY = "staff_session"

F = TypeVar("F", bound=Callable[..., Any])


def load_staff() -> None:
    """Put the logged-in, still active staff member on `g.staff` (or None)."""
    g.staff = None
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return
    db = current_app.config["VOICEBOT_DB"]
    with db.session() as s:
        user = session_user(s, token)
        # Ended, expired, or the account is disabled or gone: the cookie is worth nothing.
        if user is None:
            session.clear()
            return
        s.expunge(user)
    g.staff = user


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("staff") is None:
            return redirect(url_for("review.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: F) -> F:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.staff.role is not StaffRole.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def actor() -> str:
    return g.staff.email
