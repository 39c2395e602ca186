from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from edt.forms import LineField

from .models import REASON_LENGTH


class IssueForm(FlaskForm):
    override_reason = TextAreaField(
        _l("Why issue although the rule is not met?"), validators=[Optional(), Length(max=REASON_LENGTH)],
        description=_l("Needed only when the person does not meet the rule. Master trainers can read it "
                       "later; avoid health or family details."))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Why is the certificate revoked?"),
                           validators=[DataRequired(_l("Write why the certificate is revoked.")),
                                       Length(max=REASON_LENGTH)])


class VerifyForm(FlaskForm):
    """Typed from the paper: sent by GET (nothing secret: both are printed on the certificate)."""

    class Meta:
        csrf = False

    serial = LineField(_l("Certificate number"),
                         validators=[DataRequired(_l("Type the certificate number.")), Length(max=64)],
                         render_kw={"placeholder": "EDT-2026-000123", "autocapitalize": "characters",
                                    "autocomplete": "off", "spellcheck": "false"})
    code = LineField(_l("Verification code"), validators=[DataRequired(_l("Type the verification code.")),
                                                           Length(max=128)],
                       render_kw={"placeholder": "AFCM-YBGZ-GABE-XWF2-3HDH-B15J-GM",
                                  "autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"})


class NameForm(FlaskForm):
    """The name written on the paper: sent by POST only, so it never reaches a URL or a log."""

    name = LineField(_l("Name written on the certificate"),
                       validators=[DataRequired(_l("Type the name written on the certificate.")),
                                   Length(max=200)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
