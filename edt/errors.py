"""One kind of error for a broken business rule, and one way to show it on a form.

A service refuses what breaks a rule by raising a `RuleError` (each module has its own subclass,
so callers can tell whose rule it was). `field` names the form field the message belongs next to;
without it the message is about the whole form. Views never build these messages themselves.
"""


class RuleError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def attach(form, error: RuleError, default: str) -> None:
    """Show a service's refusal on `form`, next to the field it names (or next to `default` when
    the form has no such field)."""
    target = getattr(form, getattr(error, "field", None) or default, None) or getattr(form, default)
    target.errors = list(target.errors) + [str(error)]
