"""Hiding small counts, so that no figure shown beyond master trainers points at a person.

Master trainers see exact figures on their pages. Splits shown to anyone else, and every count in
every export, follow these rules (the threshold is SMALL_CELL_THRESHOLD, EDT_SMALL_COUNT, 5 by
default; "5" below stands for it):

1. Primary: a count from 1 to 4 reads "<5". A line whose number of people is 1 to 4 hides every
   count ("<5", which is true of each of them) and shows no rate. Zero is shown: it identifies
   nobody.
2. Totals are shown (a total of 1 to 4 reads "<5" itself, and then gives nothing away).
3. Secondary: wherever a shown total would give a hidden count away because it is the only
   hidden cell of the figures that add up to it, one more cell of those figures is hidden: the
   smallest one (an empty cell first), never the donor's large figures when a smaller one will
   do. Figures that add up: a column of a split (the lines add up to the total), and a line's
   people (completed + in training + did not complete + dropped out). This repeats until every
   sum holds no hidden cell alone. A hidden cell of 5 or more reads "5+", one of 0 to 4 "<5".
4. The line of people without data-use consent is the same in every split: it is hidden in all
   of them or in none, and only used to hide another cell when nothing else can be.
5. Last, all the figures shown are taken together as equations (exact linear algebra, see
   `determined`); a small count they would still fix gets one more cell hidden beside it.
So the most one learns from the totals is the sum of two or more hidden cells, never one of them.
"""
from flask import current_app
from flask_babel import gettext as _

from .queries import MEASURES

COUNTS = ("people", "completed", "certified", "in_training", "not_completed", "dropped", "canvas_in", "canvas_ok")
DAY_SUMS = ("attended", "marked", "present", "late", "excused", "absent")
PARTS = ("completed", "in_training", "not_completed", "dropped")  # add up to a line's people
SHARED = "no_consent"  # the key of the line that is the same in every split


def threshold() -> int:
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


def mark(value: int, limit: int) -> str:
    """How a hidden cell reads: true of its value, and no more."""
    return f"{limit}+" if value >= limit else f"<{limit}"


def shown_alone(value: int, limit: int) -> str:
    """A count shown on its own (no column to hide it in): 1 to limit-1 read "<limit"."""
    return f"<{limit}" if 0 < value < limit else str(value)


def _complement(cells, values, hidden, avoid) -> tuple | None:
    candidates = [cell for cell in cells if cell not in hidden]
    if not candidates:
        return None
    return min(candidates, key=lambda cell: (cell[0] in avoid, values[cell], cell[0], COUNTS.index(cell[1])))


def protect(rows: list[dict], total: dict, limit: int, *, fixed: set = frozenset(),
            avoid: set[int] = frozenset()) -> set[tuple[int, str]]:
    """The cells (line index, count name) to hide in one split: `rows` are the lines' sums,
    `total` the split's total; `fixed` cells are hidden whatever their value; `avoid` lines are
    used to hide another cell only when nothing else can be."""
    values = {(i, name): row[name] for i, row in enumerate(rows) for name in COUNTS}
    hidden = set(fixed)
    for i, row in enumerate(rows):
        if 0 < row["people"] < limit:
            hidden |= {(i, name) for name in COUNTS}
        hidden |= {(i, name) for name in COUNTS if 0 < row[name] < limit}
    sums = []
    if not 0 < total["people"] < limit:  # a hidden total gives nothing away
        sums += [[(i, name) for i in range(len(rows))] for name in COUNTS if not 0 < total[name] < limit]
    sums += [[(i, "people")] + [(i, name) for name in PARTS] for i in range(len(rows))]
    changed = True
    while changed:
        changed = False
        for cells in sums:
            if sum(cell in hidden for cell in cells) == 1:
                extra = _complement(cells, values, hidden, avoid)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
    return hidden


def suppress(values: list[int], limit: int, *, forced: set[int] = frozenset()) -> list[str]:
    """One column on its own, as shown beyond master trainers (the total, their sum, shown when
    it is `limit` or more). `forced`: positions hidden whatever their value."""
    rows = [{name: (value if name == "people" else 0) for name in COUNTS} for value in values]
    total = {name: (sum(values) if name == "people" else 0) for name in COUNTS}
    hidden = {i for i, name in protect(rows, total, limit, fixed={(i, "people") for i in forced}) if name == "people"}
    return [mark(v, limit) if i in hidden else str(v) for i, v in enumerate(values)]


def _show_total(total, limit: int | None) -> None:
    total.shown = {name: str(total.sums[name]) for name in MEASURES}
    if limit is None:
        return
    if 0 < total.sums["people"] < limit:
        total.shown = {name: (f"<{limit}" if name in COUNTS else "") for name in MEASURES}
        return
    for name in COUNTS:
        total.shown[name] = shown_alone(total.sums[name], limit)


PRIME = (1 << 61) - 1  # exact rank over the integers, computed modulo a large prime


def determined(equations: list[dict]) -> set:
    """The unknowns whose value the equations fix (each equation a {unknown: coefficient} of
    hidden cells adding up to a figure that is shown): those whose unit vector lies in the span,
    found with a reduced row echelon form kept as the equations come."""
    pivots: dict = {}
    for equation in equations:
        row = {v: c % PRIME for v, c in equation.items() if c % PRIME}
        for v in [v for v in row if v in pivots]:
            factor = row.get(v, 0)
            if factor:
                for w, c in pivots[v].items():
                    row[w] = (row.get(w, 0) - factor * c) % PRIME
                row = {w: c for w, c in row.items() if c}
        if not row:
            continue
        pivot = min(row, key=repr)
        inverse = pow(row[pivot], PRIME - 2, PRIME)
        row = {w: c * inverse % PRIME for w, c in row.items()}
        for other in pivots.values():
            factor = other.get(pivot, 0)
            if factor:
                for w, c in row.items():
                    other[w] = (other.get(w, 0) - factor * c) % PRIME
                for w in [w for w, c in other.items() if not c]:
                    del other[w]
        pivots[pivot] = row
    return {v for v, row in pivots.items() if len(row) == 1}


def _unknown(s: int, lines, i: int, name: str):
    return ("shared", name) if lines[i].key == SHARED else (s, i, name)


def _equations(splits, hidden: list[set]) -> list[dict]:
    equations = []
    for s, ((lines, total), cells) in enumerate(zip(splits, hidden)):
        for name in COUNTS:
            if total.shown[name] == str(total.sums[name]):
                equation = {_unknown(s, lines, i, name): 1 for i in range(len(lines)) if (i, name) in cells}
                if equation:
                    equations.append(equation)
        for i in range(len(lines)):
            equation = {_unknown(s, lines, i, n): (1 if n == "people" else -1)
                        for n in ("people", *PARTS) if (i, n) in cells}
            if equation:
                equations.append(equation)
    return equations


def _protect_all(splits, limit: int, hidden: list[set] | None = None) -> list[set]:
    """protect() for every split, the shared line hidden alike in all of them."""
    hidden = hidden or [set() for _split in splits]
    while True:
        shared_hidden = {name for (lines, _t), cells in zip(splits, hidden) for i, name in cells
                         if lines[i].key == SHARED}
        results = []
        for (lines, total), cells in zip(splits, hidden):
            shared = {i for i, line in enumerate(lines) if line.key == SHARED}
            results.append(protect([line.sums for line in lines], total.sums, limit, avoid=shared,
                                   fixed=cells | {(i, name) for i in shared for name in shared_hidden}))
        if results == hidden:
            return results
        hidden = results


def _repair(splits, hidden: list[set], unknown) -> bool:
    """Hide one more cell so that `unknown` is no longer fixed: the smallest shown cell of its
    column in its split (for the shared line, in the first split that has one), else of its line."""
    name = unknown[-1]
    places = range(len(splits)) if unknown[0] == "shared" else [unknown[0]]
    for s in places:
        lines = splits[s][0]
        shared = {i for i, line in enumerate(lines) if line.key == SHARED}
        column = [(i, name) for i in range(len(lines)) if (i, name) not in hidden[s]]
        choice = _complement(column, {(i, n): lines[i].sums[n] for i, n in column}, set(), shared)
        if choice is None and unknown[0] != "shared":
            row = [(unknown[1], n) for n in ("people", *PARTS) if (unknown[1], n) not in hidden[s]]
            choice = _complement(row, {(i, n): lines[i].sums[n] for i, n in row}, set(), set())
        if choice is not None:
            hidden[s].add(choice)
            return True
    return False


def show_splits(splits: list[tuple[list, object]], limit: int | None) -> None:
    """Fill the shown cells of several splits of the same people at once (each a list of report
    lines, with `key`, `sums` and `shown`, and their total): exact when `limit` is None, else by
    the rules above, the line of people without data-use consent hidden alike in all of them.
    Last, every small hidden count is checked against all the figures shown together (exact
    linear algebra): one that they would still fix gets one more cell hidden beside it."""
    for lines, total in splits:
        for line in lines:
            line.shown = {name: str(line.sums[name]) for name in MEASURES}
        _show_total(total, limit)
    if limit is None:
        return
    hidden = _protect_all(splits, limit)
    for _attempt in range(sum(len(lines) for lines, _t in splits) * len(COUNTS)):
        small = [u for u in determined(_equations(splits, hidden))
                 if 0 < _value(splits, u) < limit]
        if not small or not _repair(splits, hidden, min(small, key=repr)):
            break
        hidden = _protect_all(splits, limit, hidden)
    for (lines, _total), cells in zip(splits, hidden):
        for i, name in cells:
            lines[i].shown[name] = mark(lines[i].sums[name], limit)
        for line in lines:
            if line.shown["people"] != str(line.sums["people"]):
                for name in DAY_SUMS:
                    line.shown[name] = ""


def _value(splits, unknown) -> int:
    if unknown[0] == "shared":
        lines = splits[0][0]
        return next(line.sums[unknown[1]] for line in lines if line.key == SHARED)
    s, i, name = unknown
    return splits[s][0][i].sums[name]


def show_lines(lines: list, total, limit: int | None) -> None:
    """One split (see show_splits); with no lines, a total shown on its own."""
    show_splits([(lines, total)], limit)


def explain(limit: int) -> str:
    """The rules in one paragraph, for the About sheet and the report pages."""
    return _("Counts of 1 to %(low)d read <%(limit)d, and a line of 1 to %(low)d people hides all its counts "
             "and its rate. Totals are shown. Where a total would give a hidden count away, the smallest other "
             "count beside it is hidden too (<%(limit)d if it holds 0 to %(low)d, %(limit)d+ if more), so the most "
             "anyone can work out is the sum of two hidden counts, never one of them. Zero is shown. Master "
             "trainers' pages show exact figures; every export hides small counts. Threshold: %(limit)d.",
             limit=limit, low=limit - 1)
