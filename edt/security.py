"""Access control in one place.

Every view carries either @role_required(...) or @public; create_app() refuses to start when a
view has neither. Objects outside a user's reach are fetched through scoped getters (defined in
each module's queries) that end in `scoped_or_404`, so a refusal looks exactly like "not found".
"""
from enum import StrEnum
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user


class Role(StrEnum):
    MASTER_TRAINER = "master_trainer"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


STAFF = (Role.MASTER_TRAINER, Role.FACILITATOR)
ALL_ROLES = tuple(Role)


def role_required(*roles: Role):
    """Allow only logged-in users with one of `roles`; others get a login page or 403."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_needed()
            if current_user.role not in allowed:
                from edt import audit

                audit.record(current_user, "refused", "page", request.endpoint, outcome="forbidden", commit=True)
                abort(403)
            return view(*args, **kwargs)

        wrapped.edt_roles = allowed
        return wrapped

    return decorator


def login_needed():
    """The answer to a request that needs a login. Modules may register hooks in
    app.extensions["edt.login_needed"] (the resume module keeps a form sent after the session
    ended, so nothing typed is lost); the first hook that returns a response wins."""
    for hook in current_app.extensions.get("edt.login_needed", ()):
        response = hook()
        if response is not None:
            return response
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def public(view):
    """Mark a view as reachable without logging in (login pages, verify, health)."""
    view.edt_public = True
    return view


def check_every_view_is_guarded(app) -> None:
    unguarded = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static"
        and not getattr(view, "edt_roles", None)
        and not getattr(view, "edt_public", False)
    ]
    if unguarded:
        raise RuntimeError(f"Views without role_required or public: {', '.join(sorted(unguarded))}")


def scoped_or_404(obj, *, target_type: str, target_id, actor=None):
    """Return obj, or audit the refusal and answer 404 when the scoped query found nothing."""
    if obj is None:
        from edt import audit

        audit.record(actor, "refused", target_type, target_id, outcome="not_found", commit=True)
        abort(404)
    return obj


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths are accepted as `next` (no scheme, no host, no //)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    return "\n" not in target and "\r" not in target


def client_address() -> str:
    return request.remote_addr or "unknown"

