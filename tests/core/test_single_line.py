"""One-line text boxes (names, venues, titles, codes) refuse line breaks and control characters:
a scanner once stored "http://…\\nwapiti…" as a partner name. One field class does it
(edt.forms.LineField); every StringField of every form is one."""
import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import Form, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

import edt.modules
from edt.extensions import db
from edt.forms import LineField, NumberField
from edt.modules.accounts.models import Partner, User
from edt.modules.batches.models import Batch
from edt.modules.participants.models import Participant

from tests.conftest import csrf_token

MESSAGE = "Write this on one line, without line breaks or invisible characters."
# Text fields that are not one-line boxes of words: several lines, secrets, hidden state, numbers.
NOT_A_LINE = (TextAreaField, PasswordField, HiddenField, NumberField)


def _forms():
    for info in pkgutil.iter_modules(edt.modules.__path__):
        try:
            importlib.import_module(f"edt.modules.{info.name}.forms")
        except ModuleNotFoundError:
            continue
    seen, todo = set(), [FlaskForm, Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen and sub.__module__.startswith("edt."):
                seen.add(sub)
            todo.append(sub)
    return sorted(seen, key=lambda f: f"{f.__module__}.{f.__qualname__}")


def _text_fields(form_class):
    """(name, field class) of each text field the form declares, inside FieldLists too."""
    for name in dir(form_class):
        value = getattr(form_class, name, None)
        while isinstance(value, UnboundField) and value.field_class.__name__ == "FieldList":
            value = value.args[0]
        if isinstance(value, UnboundField) and issubclass(value.field_class, StringField):
            yield name, value.field_class


def test_every_one_line_text_field_is_a_line_field():
    forms = _forms()
    assert len(forms) > 20, [f.__name__ for f in forms]  # the walk found the app's forms
    plain = [f"{form.__module__}.{form.__qualname__}.{name}" for form in forms
             for name, kind in _text_fields(form)
             if not issubclass(kind, (LineField, *NOT_A_LINE))]
    assert plain == [], f"StringFields that accept line breaks: {plain}"
    lines = [name for form in forms for name, kind in _text_fields(form) if issubclass(kind, LineField)]
    assert {"name", "full_name", "venue", "display_name", "username", "business_name"} <= set(lines)


@pytest.mark.parametrize("bad", ["http://example.org/\nwapiti3", "Shapla\r\nTrust", "Shapla\tTrust",
                                 "Shapla\u2028Trust", "Shapla\x85Trust"])
def test_a_partner_name_with_a_line_break_is_refused_next_to_the_field(client, login, world, bad):
    login(world.trainer)
    before = db.session.scalar(select(func.count()).select_from(Partner))
    token = csrf_token(client, "/accounts/partners/new")
    response = client.post("/accounts/partners/new", data={"csrf_token": token, "name": bad, "district": "Khulna"})
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert MESSAGE in page and 'id="name-err"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(Partner)) == before


def test_names_venues_and_display_names_refuse_line_breaks_and_keep_good_text(client, login, world):
    login(world.trainer)
    bad = "Rahima\nKhatun"
    # a participant's name
    token = csrf_token(client, "/participants/new")
    form = {"csrf_token": token, "partner_id": str(world.khulna.id), "full_name": bad, "gender": "woman",
            "birth_year": "1990", "district": "Khulna", "consent_data_use": "y", "consent_date": "2026-01-10"}
    people = db.session.scalar(select(func.count()).select_from(Participant))
    response = client.post("/participants/new", data=form)
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Participant)) == people
    # a staff member's name
    token = csrf_token(client, f"/accounts/users/{world.facilitator.id}/edit")
    response = client.post(f"/accounts/users/{world.facilitator.id}/edit",
                           data={"csrf_token": token, "username": world.facilitator.username, "display_name": bad,
                                 "role": "facilitator", "partner_id": str(world.khulna.id), "is_enabled": "y"})
    assert MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert "\n" not in (db.session.get(User, world.facilitator.id).display_name or "")
    # a batch's venue
    token = csrf_token(client, "/batches/new")
    batches = db.session.scalar(select(func.count()).select_from(Batch))
    response = client.post("/batches/new", data={"csrf_token": token, "partner_id": str(world.khulna.id),
                                                 "venue": "Hall\nwapiti", "start_date": "2026-03-01"})
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Batch)) == batches
    # Bangla and punctuation on one line are fine
    token = csrf_token(client, "/accounts/partners/new")
    response = client.post("/accounts/partners/new", data={"csrf_token": token, "name": "শাপলা উন্নয়ন ট্রাস্ট (Khulna)",
                                                            "district": "Khulna"})
    assert response.status_code == 302
    assert db.session.scalar(select(Partner).where(Partner.name == "শাপলা উন্নয়ন ট্রাস্ট (Khulna)"))
