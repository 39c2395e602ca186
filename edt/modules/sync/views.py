"""The sync endpoint, the device credential, the list of pages a device keeps, the outbox page,
the offline page and the service worker (served from the site's root so it may control every page).

POST /sync/ is authenticated by the device's credential in the X-EDT-Sync header, not by the
session cookie or a form's CSRF token: a delayed send must not depend on a token that may have
expired, and a custom header is never sent by another site's form or image (a cross-site fetch
with it needs a CORS preflight, which this site never grants), so the endpoint is CSRF-safe
without the form token. Everything else here is an ordinary page or a same-origin JSON call with
the session's CSRF header.
"""
import mimetypes
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session, url_for
from flask_login import current_user

from edt import sessions
from edt.extensions import csrf
from edt.security import ALL_ROLES, public, role_required

from . import queries, services

bp = Blueprint("sync", __name__)
mimetypes.add_type("application/manifest+json", ".webmanifest")  # the installable app's manifest

ASSETS = ("css/edt.css", "js/edt.js", "js/offline.js", "manifest.webmanifest",
          "icons/edt.svg", "icons/edt-192.png", "icons/edt-512.png")


@bp.route("/sync/", methods=["POST"])
@public  # the credential in the header is the login (services.user_for_token)
@csrf.exempt
def send():
    try:
        user = services.user_for_token(request.headers.get(services.HEADER))
        items = services.parse_items(request.get_json(silent=True) if request.is_json else None,
                                     is_json=request.is_json)
    except services.SyncError as error:
        return jsonify(error=str(error)), error.status
    outcomes = services.apply(user, items)
    return jsonify(results=[o.as_json() for o in outcomes])


@bp.route("/sync/device", methods=["POST"])
@role_required(*ALL_ROLES)
def device():
    """A credential for this device, bound to this session (sent with the X-CSRFToken header)."""
    token, row = services.issue_device(current_user, sessions.cookie_ends_at(session, current_app.config))
    return jsonify(token=token, user=current_user.id, expires=row.expires_at.isoformat())


def _page_urls(kept: queries.Kept) -> list[str]:
    urls = [url_for("site.home"), url_for("sync.outbox")]
    for day in kept.days:
        urls += [url_for("attendance.mark", day_id=day.id), url_for("attendance.sheet", day_id=day.id),
                 url_for("curriculum.day", number=day.number)]
    if kept.followups:
        urls.append(url_for("followup.index"))
    for visit in kept.visits:
        urls.append(url_for("followup.record", participant_id=visit.participant.id, batch_id=visit.batch.id,
                            stage=visit.stage.key))
    if kept.participant is not None:
        urls += [url_for("canvas.view", participant_id=kept.participant.id),
                 url_for("canvas.plan", participant_id=kept.participant.id)]
        urls += [url_for("curriculum.day", number=day.number) for day in kept.batch_days]
    return list(dict.fromkeys(urls))


@bp.route("/sync/pages")
@role_required(*ALL_ROLES)
def pages():
    """The pages this device may keep for working offline (and nothing else is ever kept)."""
    kept = queries.kept_for(current_user)
    return jsonify(user=current_user.id, staff=bool(current_user.is_staff), pages=_page_urls(kept),
                   assets=[url_for("static", filename=name) for name in ASSETS]
                   + [url_for("sync.offline")])


@bp.route("/sync/outbox")
@role_required(*ALL_ROLES)
def outbox():
    """What waits on this phone to be sent, and the conflicts to decide (filled in by offline.js
    from the device's own storage: the server does not know what a phone holds)."""
    return render_template("sync/outbox.html")


@bp.route("/sync/offline")
@public
def offline():
    """Shown by the service worker for a page this phone did not keep. Nothing personal."""
    return render_template("sync/offline.html")


@bp.route("/sw.js")
@public
def service_worker():
    response = Response((Path(current_app.static_folder) / "sw.js").read_bytes(), mimetype="application/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response
