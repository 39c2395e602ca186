"""The dashboard's figures kept between requests, exactly as fresh as the records.

Computing the dashboard means reading every person's enrolment, days and plan (the cube) and
every completer's follow-ups (the outcome tables): about a second at 6,000 people, growing with
the people. Those figures change only when a record they are computed from changes, and every
such change moves one counter in the database (edt/changes.py). So each worker keeps the figures
it computed under (the counter, today's date, the language, the filter, the settings): a request
reads the counter (one indexed row) and, when nothing changed since, reuses them. Any write to
enrolments, attendance, canvases, certificates, people, batches, partners or follow-ups moves the
counter and the next request computes afresh, so the screen never shows a figure the records no
longer give, and the screen = export equality holds as before (the exports compute their own).

The counter is read *before* computing: a change committed while computing gives figures newer
than their key, never older. Kept per worker process (gunicorn workers share nothing but the
database), at most MAX entries, the least recently used dropped first. Kept are only figures
that do not depend on who asks: the master trainers' dashboard (it covers every batch) and the
partner's and programme's totals a batch report compares its batch with.
"""
import threading
from collections import OrderedDict

from flask import current_app
from flask_babel import get_locale

from edt import changes
from edt.clock import today

MAX = 64
_lock = threading.Lock()
# Settings a figure depends on (the certificate rule, the programme's targets, the threshold):
# part of the key, so changing one (the tests do) never reuses figures computed under another.
SETTINGS = ("CERTIFICATE_", "PROGRAMME_", "SMALL_CELL_", "FOLLOWUP_")


def _settings() -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in current_app.config.items() if k.startswith(SETTINGS)))


def _store() -> OrderedDict:
    return current_app.extensions.setdefault("reports_cache", OrderedDict())


def kept(name: str, parts: tuple, compute):
    """The value `compute()` gives for `parts`, reused while no figure's record changed."""
    version = changes.version()
    if version is None:
        return compute()
    key = (name, version, today(), str(get_locale()), _settings(), *parts)
    store = _store()
    with _lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = compute()
    with _lock:
        store[key] = value
        while len(store) > MAX:
            store.popitem(last=False)
    return value
