"""The report's tables, built once and used by the page and by both exports, so a CSV or XLSX
file always equals the screen. Pseudonymous: participant codes, never names."""
import csv
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from edt.instruments import SKILLS

from .models import Stage
from .queries import Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NOTHING = "—"


@dataclass
class Table:
    key: str
    title: object
    header: list
    rows: list  # lists of strings


def percent(value) -> str:
    return NOTHING if value is None else f"{round(value)}%"


def decimal(value) -> str:
    return NOTHING if value is None else f"{value:.2f}"


def skill_name(skill: str) -> str:
    return str(SKILLS[skill][0])


def report_tables(report: Report, group_title) -> list[Table]:
    everyone = [*report.lines, report.total]

    def label(line):
        return str(_l("All")) if line is report.total else str(line.label)

    overall = []
    for line in everyone:
        figures = report.figures(line)
        overall.append([label(line), report.count(line, "pre"), percent(report.pre_mean(line)),
                        report.count(line, "both"), percent(figures and figures["pre"]),
                        percent(figures and figures["post"]), decimal(figures and figures["gain"])])
    by_skill = []
    for line in everyone:
        row = [label(line)]
        for skill in report.skills:
            figures = report.figures(line, skill)
            row.append(decimal(figures and figures["gain"]))
        by_skill.append(row)
    skills = []
    for skill in report.skills:
        figures = report.figures(report.total, skill)
        skills.append([skill_name(skill), percent(figures and figures["pre"]), percent(figures and figures["post"]),
                       decimal(figures and figures["gain"])])
    difficult = [[d.item.id, skill_name(d.item.skill), str(d.day), str(d.answered), percent(100 * d.share)]
                 for d in report.difficult]
    return [
        Table("gain", _l("Learning gain"), [str(group_title), str(_l("Day 1 tested")), str(_l("Day 1 mean")),
                                            str(_l("Both tests")), str(_l("Mean before")), str(_l("Mean after")),
                                            str(_l("Gain"))], overall),
        Table("skills", _l("Gain by skill, everyone"), [str(_l("Skill")), str(_l("Mean before")),
                                                        str(_l("Mean after")), str(_l("Gain"))], skills),
        Table("group_skills", _l("Gain by skill and group"), [str(group_title)] + [skill_name(s) for s in report.skills],
              by_skill),
        Table("difficult", _l("Difficult questions after training"),
              [str(_l("Question")), str(_l("Skill")), str(_l("Taught on day")), str(_l("Answered")),
               str(_l("Missed"))], difficult),
    ]


def score_text(taken) -> str:
    if taken is None:
        return NOTHING
    if not taken.complete:
        return str(_l("%(n)d of %(total)d answered", n=taken.answered, total=len(taken.form.items)))
    return f"{taken.score}/{taken.max_score}"


def people_table(people) -> Table:
    rows = []
    for person in people:
        pre, post = person.taken.get(Stage.PRE), person.taken.get(Stage.POST)
        rows.append([person.participant.code, person.form_for(Stage.PRE), score_text(pre),
                     person.form_for(Stage.POST), score_text(post)])
    return Table("people", _l("Each person"), [str(_l("Code")), str(_l("Day 1 form")), str(_l("Day 1 score")),
                                               str(_l("Day 10 form")), str(_l("Day 10 score"))], rows)


def _safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) and not _number(value) else value


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def as_csv(tables: list[Table]) -> str:
    """One CSV: each table's title line, its header and rows, then a blank line."""
    out = io.StringIO()
    writer = csv.writer(out)
    for table in tables:
        writer.writerow([str(table.title)])
        writer.writerow([_safe(h) for h in table.header])
        for row in table.rows:
            writer.writerow([_safe(cell) for cell in row])
        writer.writerow([])
    return out.getvalue()


def as_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table, the header first."""
    from openpyxl import Workbook  # openpyxl (and numpy) load on the first XLSX, not in every worker
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([_safe(h) for h in table.header])
        for row in table.rows:
            sheet.append([_safe(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
