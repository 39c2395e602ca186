"""The follow-up programme as data: the stages (stages.toml) and the outcome indicators
(indicators.toml), loaded once and checked at start-up, and the pure rules that read them: when a
stage is due, what a stage without a record is, and whether a visit counts for an indicator.
Nothing here touches the database."""
import calendar
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from edt.modules.participants.models import UNDISCLOSED, IncomeRange, WorkKind

from .models import FollowUpStatus

HERE = Path(__file__).parent
POPULATIONS = ("completers", "trained")
FIELDS = {"works_now": {m.value for m in WorkKind}, "business_started": {True, False},
          "still_running": {True, False}, "savings": {True, False}}
RULES = ("income_up", "support")


@dataclass(frozen=True)
class Stage:
    key: str
    months: int
    window_days: int
    dropouts: bool

    def due(self, last_day: date) -> date:
        return add_months(last_day, self.months)

    def opens(self, last_day: date) -> date:
        return self.due(last_day) - timedelta(days=self.window_days)

    def closes(self, last_day: date) -> date:
        return self.due(last_day) + timedelta(days=self.window_days)


@dataclass(frozen=True)
class Indicator:
    key: str
    version: int
    stage: str
    population: str
    numerator: dict
    name_en: str
    name_bn: str
    definition: str

    def name(self, locale: str) -> str:
        return self.name_bn if locale == "bn" else self.name_en

    def rule_text(self) -> str:
        """The numerator rule in one line, as the About sheet prints it."""
        rule = self.numerator
        if "rule" in rule:
            return f"rule = {rule['rule']}"
        if "in" in rule:
            return f"{rule['field']} in ({', '.join(rule['in'])})"
        return f"{rule['field']} = {str(rule['equals']).lower()}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter: 31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _read(name: str) -> dict:
    with open(HERE / name, "rb") as handle:
        return tomllib.load(handle)


@cache
def stages() -> tuple[Stage, ...]:
    found = tuple(Stage(key=str(s["key"]), months=int(s["months"]), window_days=int(s["window_days"]),
                        dropouts=bool(s.get("dropouts", False))) for s in _read("stages.toml")["stage"])
    keys = [s.key for s in found]
    if not found or len(set(keys)) != len(keys) or any(len(k) > 8 or not k.isalnum() for k in keys):
        raise ValueError("stages.toml: give each stage a unique short key (letters and digits, at most 8)")
    if any(s.months < 1 or not 0 <= s.window_days <= 60 for s in found):
        raise ValueError("stages.toml: months from 1, window_days from 0 to 60")
    return tuple(sorted(found, key=lambda s: s.months))


def stage(key: str) -> Stage | None:
    return next((s for s in stages() if s.key == key), None)


def stages_for(completed: bool) -> tuple[Stage, ...]:
    """Everyone who finished gets every stage; someone who left early only the dropout stages."""
    return tuple(s for s in stages() if completed or s.dropouts)


@cache
def indicators() -> tuple[Indicator, ...]:
    data = _read("indicators.toml")
    found = []
    for raw in data["indicator"]:
        item = Indicator(key=raw["key"], version=int(raw["version"]), stage=raw["stage"],
                         population=raw["population"], numerator=dict(raw["numerator"]), name_en=raw["name_en"],
                         name_bn=raw["name_bn"], definition=raw["definition"])
        rule = item.numerator
        if stage(item.stage) is None or item.population not in POPULATIONS:
            raise ValueError(f"indicators.toml: {item.key}: unknown stage or population")
        if "rule" in rule:
            ok = rule["rule"] in RULES
        elif "in" in rule:
            ok = rule.get("field") in FIELDS and set(rule["in"]) <= FIELDS[rule["field"]]
        else:
            ok = rule.get("field") in FIELDS and rule.get("equals") in FIELDS[rule["field"]]
        if not ok:
            raise ValueError(f"indicators.toml: {item.key}: the numerator rule is not understood")
        found.append(item)
    if len({i.key for i in found}) != len(found):
        raise ValueError("indicators.toml: indicator keys must be unique")
    return tuple(found)


def definitions_version() -> int:
    return int(_read("indicators.toml")["version"])


def pending_status(item_stage: Stage, last_day: date, on: date) -> FollowUpStatus:
    """What a stage without a recorded visit is on `on`: scheduled until its window closes, then missed."""
    return FollowUpStatus.MISSED if on > item_stage.closes(last_day) else FollowUpStatus.SCHEDULED


def counts(indicator: Indicator, visit, *, intake_income: str | None, support_until: date | None,
           last_day: date) -> bool:
    """Does this done visit count in the indicator's numerator? `support_until`: the date of the
    person's first support given (None when none was logged)."""
    rule = indicator.numerator
    if "rule" not in rule:
        value = getattr(visit, rule["field"])
        return value in rule["in"] if "in" in rule else value is rule["equals"]
    if rule["rule"] == "income_up":
        if not visit.income_range or intake_income in (None, "", UNDISCLOSED):
            return False
        return IncomeRange(visit.income_range).rank > IncomeRange(intake_income).rank
    closes = stage(indicator.stage).closes(last_day)
    return bool(visit.support_since) or (support_until is not None and support_until <= closes)


def check() -> None:
    """Load and check both files (create_app calls this, so a broken file stops the start)."""
    stages()
    indicators()
    definitions_version()
