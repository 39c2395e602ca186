"""Status values as StrEnums with their labels: one home for each status, used by the models,
their CHECK constraints, the forms, the templates and the reports.

    class BatchStatus(Labelled):
        PLANNED = "planned"
        ...

    BatchStatus.labels({BatchStatus.PLANNED: _l("Planned"), ...})   # once, after the class

The stored value is the enum's value (a plain string in the database), so a status compares equal
to its string and needs no migration.
"""
from enum import StrEnum


class Labelled(StrEnum):
    @classmethod
    def labels(cls, labels: dict) -> None:
        """Give each member its label (lazy_gettext strings, so they follow the user's language)."""
        missing = [m for m in cls if m not in labels]
        if missing:
            raise ValueError(f"{cls.__name__}: no label for {', '.join(missing)}")
        cls._labels = dict(labels)

    @property
    def label(self):
        return type(self)._labels[self]

    @classmethod
    def label_for(cls, value, default=""):
        """The label of a stored value, or `default` when it is none of these (templates)."""
        try:
            return cls(value).label
        except ValueError:
            return default

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def check(cls, column: str) -> str:
        """The CHECK constraint text that keeps `column` to these values."""
        return f"{column} IN ({', '.join(repr(m.value) for m in cls)})"
