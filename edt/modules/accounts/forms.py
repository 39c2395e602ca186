from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from edt.forms import LineField
from edt.places import DISTRICT_CHOICES

LANGUAGE_CHOICES = [("", _l("Browser default")), ("en", "English"), ("bn", "বাংলা")]


class LoginForm(FlaskForm):
    username = LineField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ParticipantLoginForm(FlaskForm):
    code = LineField(_l("Your code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "username", "autocapitalize": "characters",
                                  "placeholder": "KHU-2026-0042"})
    pin = PasswordField(_l("Your 6-digit PIN"), validators=[DataRequired(), Length(max=16)],
                        render_kw={"inputmode": "numeric", "autocomplete": "current-password",
                                   "pattern": "[0-9]*"})
    next = HiddenField()


class ChangeSecretForm(FlaskForm):
    current = PasswordField(_l("Current password or PIN"), validators=[DataRequired(), Length(max=256)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password or PIN"), validators=[DataRequired(), Length(max=256)],
                        render_kw={"autocomplete": "new-password"})


class UserForm(FlaskForm):
    username = LineField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = LineField(_l("Full name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[("facilitator", _l("Facilitator")),
                                            ("master_trainer", _l("Master trainer"))])
    partner_id = SelectField(_l("Partner organisation"), coerce=int, validators=[Optional()])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[Optional()])
    password = PasswordField(_l("Password (at least 12 characters)"), validators=[Optional(), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password (at least 12 characters)"),
                             validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "new-password"})


class PartnerForm(FlaskForm):
    name = LineField(_l("Organisation name"), validators=[DataRequired(), Length(max=120)])
    district = SelectField(_l("District"), choices=DISTRICT_CHOICES)


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("bn", "বাংলা")])
    next = HiddenField()

