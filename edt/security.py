"""Access control in one place.

Every view carries either @role_required(...) or @public; create_app() refuses to start when a
view has neither. Objects outside a user's reach are fetched through scoped getters (defined in
each module's queries) that end in `scoped_or_404`, so a refusal looks exactly like "not found".
"""
import unicodedata
from enum import StrEnum
from functools import wraps
from urllib.parse import unquote, urljoin, urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.urls import iri_to_uri

from edt import audit, sessions


class Role(StrEnum):
    MASTER_TRAINER = "master_trainer"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"


STAFF = (Role.MASTER_TRAINER, Role.FACILITATOR)
ALL_ROLES = tuple(Role)


class SystemActor:
    """The programme acting on its own behalf: the command line and the demo data. Every role
    check lets it through (it is whoever runs `flask`, on the server); its audit rows have no
    actor. Services refuse `None`: a caller without a user says SYSTEM."""

    id = None
    role = "system"
    partner_id = None
    partner = None
    is_authenticated = False
    is_master_trainer = False
    is_enabled = True

    def __repr__(self):
        return "SYSTEM"


SYSTEM = SystemActor()


def require(actor, *roles: Role, error: type[Exception] = PermissionError, message=None) -> None:
    """The one role check of the services: raise `error(message)` unless `actor` is SYSTEM or a
    user with one of `roles`. Services pass their own RuleError subclass and a message to show;
    a bare PermissionError reaches the browser as 403."""
    if actor is SYSTEM:
        return
    if actor is None or getattr(actor, "role", None) not in roles:
        raise error(message or "This account may not do this.")


def role_required(*roles: Role):
    """Allow only logged-in users with one of `roles`; others get a login page or 403."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_needed(participant_page=Role.PARTICIPANT in allowed and (
                    allowed == {Role.PARTICIPANT} or sessions.participant_phone()))
            if current_user.role not in allowed:
                audit.record(current_user, "refused", "page", request.endpoint, outcome="forbidden")
                abort(403)
            return view(*args, **kwargs)

        wrapped.edt_roles = allowed
        return wrapped

    return decorator


def login_needed(participant_page: bool = False):
    """The answer to a request that needs a login. Modules may register hooks in
    app.extensions["edt.login_needed"] (the kept_forms module keeps a form sent after the session
    ended, so nothing typed is lost); the first hook that returns a response wins."""
    for hook in current_app.extensions.get("edt.login_needed", ()):
        response = hook()
        if response is not None:
            return response
    # A participant's page (or a page both read, on a participant's phone) asks for the code and
    # PIN; a staff page for the password.
    login = "accounts.participant_login" if participant_page else "accounts.login"
    return redirect(url_for(login, next=request.full_path.rstrip("?")))


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
        audit.record(actor, "refused", target_type, target_id, outcome="not_found")
        abort(404)
    return obj


# A `next` is a page address with its filters, never a document: longer ones are refused.
NEXT_MAX_LENGTH = 2000
# Any origin serves to tell whether a reference leaves the site it is resolved against.
STAND_IN_ORIGIN = "https://edt.invalid"


def _unsafe(text: str) -> bool:
    """Characters that browsers or Werkzeug drop, fold or read as a separator inside a URL: every
    control, format and whitespace character (Unicode categories C and Z: tab, CR, LF, the space,
    NUL, zero-width and bidi marks, the ideographic space...) and the backslash, read as "/"."""
    return "\\" in text or any(unicodedata.category(c)[0] in "CZ" for c in text)


def _plain_path(url: str) -> bool:
    """A path of this site: no scheme, no host (not even an empty one: "///x"), and no empty or
    dot segment once percent-decoded as the router will ("/%2F%2Fevil" routes as "///evil")."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    segments = path.split("/")[1:]
    return bool(not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//")
                and path.startswith("/") and not _unsafe(path) and "" not in segments[:-1]
                and not {".", ".."} & set(segments))


def safe_next(target: str | None) -> str | None:
    """The Location to send for a `next` parameter, or None when it does not name a page of this site.

    The check is made on what the browser will read: Werkzeug writes a Location through
    iri_to_uri, whose urlsplit silently drops tabs and newlines ("/<TAB>/evil" leaves as
    "//evil"), and browsers drop the same characters, read "\\" as "/" and resolve "//host" as
    another site. So nothing that would be dropped or folded is accepted at all, the address is
    taken as Werkzeug will write it, and it must be a plain path (no scheme, no host, no empty or
    dot segment, not even percent-encoded) that resolves to this site's own origin. The value
    returned is the one checked, so the one checked is the one sent.
    """
    if not isinstance(target, str) or not target or len(target) > NEXT_MAX_LENGTH or _unsafe(target):
        return None
    location = iri_to_uri(target)
    if not (_plain_path(target) and _plain_path(location)):
        return None
    resolved = urlsplit(urljoin(STAND_IN_ORIGIN + "/", location))
    if f"{resolved.scheme}://{resolved.netloc}" != STAND_IN_ORIGIN:
        return None
    return location


def client_address() -> str:
    return request.remote_addr or "unknown"

