"""Staff sessions: who is logged in, and decorators that require a login or a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for

from voicebot.crm.models import StaffRole, StaffUser

F = TypeVar("F", bound=Callable[..., Any])


def load_staff() -> None:
    """Put the logged-in, still active staff member on `g.staff` (or None)."""
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is None:
        return
    db = current_app.config["VOICEBOT_DB"]
    with db.session() as s:
        user = s.get(StaffUser, staff_id)
        # A disabled account loses its open sessions at once.
        if user is None or not user.active or user.email != session.get("staff_email"):
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
