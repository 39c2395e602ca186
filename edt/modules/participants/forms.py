from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length


class PinForm(FlaskForm):
    pin = PasswordField(_l("New 6-digit PIN"), validators=[DataRequired(), Length(max=16)],
                        render_kw={"inputmode": "numeric", "autocomplete": "new-password"})
