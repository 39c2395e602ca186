"""The donor report: the outcome tables exactly as the screen shows them (the same `cells`, small
counts hidden alike), pseudonymous (no person appears at all: only counts per category), with an
About sheet stating each indicator's definition and version. An XLSX workbook, or one CSV per
table."""
import csv
import io
from datetime import date


from . import rules
from .queries import COLUMNS, SPLITS, Table

HEADER = ["split", "category", *COLUMNS]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value) -> str:
    """Text a spreadsheet would run as a formula is quoted (partner names are typed by people)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def table_rows(table: Table) -> list[list[str]]:
    return [[line.split, line.label, *(line.cells[c] for c in COLUMNS)] for line in table.lines]


def about_rows(on: date, limit: int, cohort: str) -> list[list[str]]:
    rows = [["EDT outcome indicators", ""], ["definitions version", str(rules.definitions_version())],
            ["figures as of", on.isoformat()], ["cohort", cohort or "all cohorts"],
            ["small counts", f"counts from 1 to {limit - 1} read <{limit}; lines of fewer than {limit} people "
                             "show no share"],
            ["among reached", "numerator / people reached (visit done) at the stage"],
            ["among all", "numerator / everyone in the population whose visit window has opened"],
            ["not reached", "share of that population not (yet) reached, unreachable, refused or missed"],
            ["withdrawn", "share of that population who withdrew consent (never counted as failure or success)"],
            ["splits", ", ".join(key for key, _label in SPLITS)], [], ["key", "version", "stage", "population",
                                                                       "numerator rule", "name", "definition"]]
    for item in rules.indicators():
        rows.append([item.key, str(item.version), item.stage, item.population, item.rule_text(), item.name_en,
                     item.definition])
    return rows


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([safe(v) for v in row])
    return "\ufeff" + out.getvalue()


def workbook(tables: list[Table], on: date, limit: int, cohort: str) -> bytes:
    from openpyxl import Workbook  # openpyxl (and numpy) load on the first XLSX, not in every worker
    book = Workbook(write_only=True)
    sheet = book.create_sheet("About")
    for row in about_rows(on, limit, cohort):
        sheet.append([safe(v) for v in row])
    for table in tables:
        sheet = book.create_sheet(table.indicator.key[:31])
        sheet.append(HEADER)
        for row in table_rows(table):
            sheet.append([safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
