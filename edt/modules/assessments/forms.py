"""The recording forms carry their CSRF token here; their answers (one per question, named by
the question's id) are read from request.form and checked against the form by the services."""
from flask_wtf import FlaskForm


class AnswerForm(FlaskForm):
    """One answer given aloud: the pressed button's value, or a typed number."""


class SheetForm(FlaskForm):
    """A whole answer sheet typed in: fields `i-<question id>`."""
