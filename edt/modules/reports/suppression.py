"""Hiding small counts, so that no figure shown beyond master trainers points at a person.

Master trainers see exact figures on their pages. Splits shown to anyone else, and every count in
every export, hide counts from 1 to 4 as "<5" (the threshold is SMALL_CELL_THRESHOLD). When only
one cell of a column would be hidden, the total would give it away, so the smallest other non-zero
cell of that column is hidden too and reads "5+". A line whose number of people is hidden shows
none of its other figures either ("<5", which is true of each of them), and no rate. Zero is
shown: it identifies nobody.
"""
from flask import current_app

from .queries import MEASURES

COUNTS = ("people", "completed", "certified", "in_training", "not_completed", "dropped", "canvas_in", "canvas_ok")
DAY_SUMS = ("attended", "marked", "present", "late", "excused", "absent")


def threshold() -> int:
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


def suppress(values: list[int], limit: int, *, forced: set[int] = frozenset()) -> list[str]:
    """The cells of one split column as shown beyond master trainers. `forced`: positions hidden
    whatever their value (lines whose number of people is hidden)."""
    shown = [str(v) for v in values]
    hidden = {i for i, v in enumerate(values) if 0 < v < limit} | set(forced)
    for i in hidden:
        shown[i] = f"<{limit}"
    if len(hidden) == 1:
        others = [i for i, v in enumerate(values) if i not in hidden and v > 0]
        if others:
            shown[min(others, key=lambda i: (values[i], i))] = f"{limit}+"
    return shown


def shown_alone(value: int, limit: int) -> str:
    """A count shown on its own (no column to hide it in): 1 to limit-1 read "<limit"."""
    return f"<{limit}" if 0 < value < limit else str(value)


def show_lines(lines: list, total, limit: int | None) -> None:
    """Fill each line's shown cells (a report line: `sums`, `shown`, `exact`): exact when `limit` is
    None, else suppressed column by column."""
    for line in [*lines, total]:
        line.shown = {name: str(line.sums[name]) for name in MEASURES}
    if limit is None:
        return
    people = suppress([line.sums["people"] for line in lines], limit)
    forced = {i for i, cell in enumerate(people) if cell.startswith("<")}
    for name in COUNTS:
        column = people if name == "people" else suppress([line.sums[name] for line in lines], limit, forced=forced)
        for line, cell in zip(lines, column):
            line.shown[name] = cell
    for line in lines:
        if not line.exact:
            for name in DAY_SUMS:
                line.shown[name] = ""
    total_hidden = 0 < total.sums["people"] < limit
    for name in MEASURES:
        total.shown[name] = f"<{limit}" if total_hidden and name in COUNTS else (
            "" if total_hidden else shown_alone(total.sums[name], limit) if name in COUNTS else str(total.sums[name]))
