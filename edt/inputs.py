"""Input no database field can hold, refused at the door with a reason before any view sees it:
control characters, numbers that overflow an integer column, ids in URLs beyond an INTEGER."""
import re

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # the largest id an INTEGER column holds (PostgreSQL refuses to even compare beyond)


class BoundedInt(IntegerConverter):
    """<int:...> URL parts larger than a database integer are "not found", never a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


# C0 control characters (but tab, line feed and carriage return) and DEL: never typed in a form,
# refused by PostgreSQL (NUL) and cut short by SQLite's length() (NUL), so refused at the door.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A whole number of 17 digits or more overflows a database integer once multiplied by a page
# size (phone numbers have at most 15 digits); fields that carry an id or a page number (by the
# app's naming: *_id, *_ids, page, batch, partner) must fit an INTEGER column.
HUGE_NUMBER = re.compile(r"\s*[+-]?0*\d{17,}\s*")
WHOLE_NUMBER = re.compile(r"\s*[+-]?\d{1,16}\s*")
ID_FIELD = re.compile(r".+_ids?|page|batch|partner")


def _too_large(name: str, value: str) -> bool:
    if HUGE_NUMBER.fullmatch(value):
        return True
    return bool(ID_FIELD.fullmatch(name) and WHOLE_NUMBER.fullmatch(value) and abs(int(value)) > INT_MAX)


def install(app) -> None:
    app.before_request(_refuse_unstorable_input)


def _refuse_unstorable_input():
    """Input no field can hold is refused with a reason before any view sees it."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if CONTROL_CHARACTERS.search(value):
                abort(400, _("The form held invisible control characters (perhaps from a copied text), "
                             "which cannot be saved. Nothing was changed: please type the text again."))
            if _too_large(name, value):
                abort(400, _("A number in the form is far too large. Nothing was changed."))
    return None

