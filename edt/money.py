"""The money formulas taught on days 5-9. The curriculum's worked examples and the participant's
financial plan both run through these functions, so the two can never disagree."""
import math
from decimal import ROUND_HALF_UP, Decimal


def taka(amount: float) -> int:
    """Round to the nearest whole Taka, halves up (as people round by hand)."""
    return int(Decimal(str(amount)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def unit_cost(costs: list[float], units: float) -> float:
    return sum(costs) / units


def cost_plus_price(unit_cost_: float, markup_percent: float) -> float:
    return unit_cost_ * (1 + markup_percent / 100)


def margin_percent(markup_percent: float) -> float:
    """A markup on cost seen as a share of the price: 40% markup -> 28.6% margin."""
    return markup_percent / (100 + markup_percent) * 100


def break_even_units(fixed_costs: float, price: float, variable_cost: float) -> int | None:
    """Units to sell to cover fixed costs, rounded up; None when each sale loses money."""
    contribution = price - variable_cost
    if contribution <= 0:
        return None
    return math.ceil(round(fixed_costs / contribution, 9))


def cash_book_balance(opening_balance: float, entries: list[dict]) -> float:
    return opening_balance + sum(e.get("cash_in", 0) for e in entries) - sum(e.get("cash_out", 0) for e in entries)


def cash_flow_balances(opening_balance: float, months: list[dict]) -> list[float]:
    balances, balance = [], opening_balance
    for month in months:
        balance += month["cash_in"] - month["cash_out"]
        balances.append(balance)
    return balances


def savings_total(amount_per_period: float, periods: int) -> float:
    return amount_per_period * periods


def flat_loan(principal: float, annual_rate_percent: float, months: int) -> tuple[float, float]:
    """(monthly instalment, total interest) when interest is charged on the full amount throughout."""
    interest = principal * annual_rate_percent / 100 * months / 12
    return (principal + interest) / months, interest


def declining_loan(principal: float, annual_rate_percent: float, months: int) -> tuple[float, float]:
    """(monthly instalment, total interest) when interest is charged only on what is still owed."""
    if months <= 0:
        raise ValueError("months must be positive")
    i = annual_rate_percent / 100 / 12
    instalment = principal / months if i == 0 else principal * i / (1 - (1 + i) ** -months)
    return instalment, instalment * months - principal


def loan(principal: float, annual_rate_percent: float, months: int, method: str) -> tuple[float, float]:
    return (flat_loan if method == "flat" else declining_loan)(principal, annual_rate_percent, months)


WEEKS_A_YEAR = 52
LOAN_METHODS = ("declining", "flat")


def weekly_loan(principal: float, annual_rate_percent: float, weeks: int, method: str,
                term_weeks: int = WEEKS_A_YEAR) -> tuple[float, float]:
    """(weekly instalment, total interest) for a loan repaid in `weeks` equal weekly instalments, as
    microcredit is repaid (a one-year loan in about 46 weekly instalments).

    declining: interest each week is rate/52 of what is still owed; the instalment is the equal
    payment that ends the loan with the last instalment. flat: interest is the rate on the full
    amount for the loan's term (`term_weeks`, one year unless said otherwise), however many
    instalments it is paid in; the instalment is (principal + interest) / weeks."""
    if weeks <= 0 or term_weeks <= 0:
        raise ValueError("weeks must be positive")
    if method not in LOAN_METHODS:
        raise ValueError(f"method must be one of {LOAN_METHODS}")
    if method == "flat":
        interest = principal * annual_rate_percent / 100 * term_weeks / WEEKS_A_YEAR
        return (principal + interest) / weeks, interest
    i = annual_rate_percent / 100 / WEEKS_A_YEAR
    instalment = principal / weeks if i == 0 else principal * i / (1 - (1 + i) ** -weeks)
    return instalment, instalment * weeks - principal
