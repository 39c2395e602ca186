"""Small-count suppression: a single small cell can never be worked out from the totals shown
(the columns of a split, a line's parts adding up to its people, the line of people without
data-use consent that every split shares), and the donor's large figures stay visible."""
import random

import numpy
import pytest

from edt.modules.reports import services, suppression
from edt.modules.reports.queries import AGE_BANDS, MEASURES

GENDERS = ("woman", "man", "other", "undisclosed")
DISTRICTS = ("Khulna", "Jashore", "Satkhira")
PARTS = ("completed", "in_training", "not_completed", "dropped")


def person(rng, **fixed):
    """One person as a cube row: exactly one outcome, certificates only for completers."""
    outcome = fixed.pop("outcome", rng.choice(PARTS))
    row = {"consented": 1, "gender": rng.choice(GENDERS), "age_band": rng.choice(AGE_BANDS),
           "district": rng.choice(DISTRICTS), "partner_id": rng.choice((1, 2)), **dict.fromkeys(MEASURES, 0),
           "people": 1, outcome: 1}
    row["certified"] = int(outcome == "completed" and rng.random() < 0.8)
    row["canvas_in"] = int(rng.random() < 0.7)
    row["canvas_ok"] = int(row["canvas_in"] and rng.random() < 0.5)
    row["marked"], row["attended"] = 10, rng.randint(5, 10)
    row.update(fixed)
    if not row["consented"]:
        row.update(gender=None, age_band=None, district=None, partner_id=None)
    return row


def recoverable(splits, total, limit):
    """The hidden cells from 1 to limit-1 that the shown figures determine exactly: every shown
    total and shown cell is a linear equation over the hidden cells (the no-consent line is one
    set of unknowns for all splits); a cell is determined when its unit vector lies in the span."""
    unknowns, equations = {}, []

    def var(split_key, line, name):
        key = ("shared" if line.key == "no_consent" else split_key, line.key, name)
        return unknowns.setdefault(key, len(unknowns))

    def known(line, name):
        return line.cell(name) == str(line.sums[name])

    for split in splits:
        for name in suppression.COUNTS:
            if known(split.total, name):  # the lines add up to the shown total
                equations.append([var(split.key, line, name) for line in split.lines if not known(line, name)])
        for line in split.lines:  # people = the four outcomes
            if not known(line, "people") or not all(known(line, p) for p in PARTS):
                equations.append([var(split.key, line, n) for n in ("people", *PARTS) if not known(line, n)])
    size = len(unknowns)
    rows = []
    for split in splits:
        for name in suppression.COUNTS:
            if known(split.total, name):
                vector = numpy.zeros(size)
                for line in split.lines:
                    if not known(line, name):
                        vector[var(split.key, line, name)] = 1
                rows.append(vector)
        for line in split.lines:
            vector = numpy.zeros(size)
            for n, sign in (("people", 1), *((p, -1) for p in PARTS)):
                if not known(line, n):
                    vector[var(split.key, line, n)] = sign
            if vector.any():
                rows.append(vector)
    if not size:
        return []
    matrix = numpy.array(rows) if rows else numpy.zeros((0, size))
    rank = numpy.linalg.matrix_rank(matrix) if len(rows) else 0
    found = []
    for (split_key, line_key, name), index in unknowns.items():
        line = next(l for s in splits for l in s.lines
                    if l.key == line_key and (split_key == "shared" or s.key == split_key))
        if not 0 < line.sums[name] < limit:
            continue
        unit = numpy.zeros(size)
        unit[index] = 1
        if numpy.linalg.matrix_rank(numpy.vstack([matrix, unit]) if len(rows) else unit[None, :]) == rank:
            found.append((split_key, line_key, name, line.sums[name]))
    return found


def test_the_district_filter_keeps_the_womens_figures_and_hides_the_three_men(app):
    """The case of the issue: a district with 40 women and 3 men. The men read "<5"; the women's
    figures stay exact in every column; the total is shown; the men cannot be worked out."""
    rng = random.Random(1)
    outcomes = ["completed"] * 20 + ["in_training"] * 10 + ["not_completed"] * 5 + ["dropped"] * 5
    rows = ([person(rng, gender="woman", district="Khulna", partner_id=1, age_band="25_34", outcome=o,
                    certified=int(o == "completed"), canvas_in=int(i < 30), canvas_ok=int(i < 20))
             for i, o in enumerate(outcomes)]
            + [person(rng, gender="man", district="Khulna", partner_id=1, age_band="25_34", outcome="completed",
                      certified=1, canvas_in=1, canvas_ok=1) for _ in range(3)])
    splits, total = services.build_splits(rows, {1: "Shapla"}, limit=5)
    gender = {line.key: line for line in splits[0].lines}
    assert gender["man"].cell("people") == "<5" and gender["man"].cell("completed") == "<5"
    for name in suppression.COUNTS:
        assert gender["woman"].cell(name) == str(gender["woman"].sums[name]), name  # the donor's key figure
    assert gender["woman"].rate is not None and total.cell("people") == "43"
    assert splits[0].total.cell("people") == "43"
    assert recoverable(splits, total, 5) == []


@pytest.mark.parametrize("limit", [5, 11])
def test_no_single_small_cell_can_be_recovered_from_the_totals(app, limit):
    """Hundreds of random programmes, small and large, with the default and the collaborative's
    threshold: no hidden small count is determined by the figures shown."""
    rng = random.Random(limit)
    checked = 0
    for _round in range(60):
        people = rng.choice((6, 12, 25, 60, 140))
        rows = [person(rng, consented=int(rng.random() > 0.05)) for _ in range(people)]
        splits, total = services.build_splits(rows, {1: "Shapla", 2: "Ashar Alo"}, limit=limit)
        assert recoverable(splits, total, limit) == [], _round
        checked += sum(1 for s in splits for line in s.lines for name in suppression.COUNTS
                       if 0 < line.sums[name] < limit)
        for split in splits:  # and the totals are shown, exactly, whenever they are not small themselves
            assert split.total.cell("people") == (str(people) if people >= limit else f"<{limit}")
    assert checked > 250  # the test did meet small cells


def test_the_check_itself_finds_a_cell_the_old_rule_would_give_away(app):
    """Hiding only the small cell (no secondary suppression) is caught by `recoverable`."""
    rng = random.Random(3)
    rows = ([person(rng, gender="woman", district="Khulna", partner_id=1) for _ in range(40)]
            + [person(rng, gender="man", district="Khulna", partner_id=1, outcome="completed") for _ in range(3)])
    splits, total = services.build_splits(rows, {1: "Shapla"}, limit=5)
    for split in splits:
        for line in split.lines:
            line.shown = {name: (f"<5" if 0 < line.sums[name] < 5 else str(line.sums[name])) for name in MEASURES}
    assert ("gender", "man", "people", 3) in recoverable(splits, total, 5)
