"""The financial plan's figures, worked out with the curriculum's own formulas (edt.money: days 5
and 7), so what a participant learns in class and what their plan shows can never disagree.

Pure functions on plain data: the plan page, the participant's home page, the PDF and the tests of
the curriculum's worked examples all call `compute()`. (A module of its own rather than part of
services.py: it neither reads nor writes the database.)
"""
import math
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from edt import money


@dataclass
class CostLine:
    name: str
    amount: float          # unit cost (start-up) or Taka per month (fixed)
    quantity: float = 1

    @property
    def total(self) -> float:
        return self.quantity * self.amount


@dataclass
class ProductLine:
    name: str
    variable_cost: float   # cost of one unit: materials, packing, transport per piece (day 5)
    units_per_month: float
    price: float | None = None
    markup_percent: float | None = None


@dataclass
class PlanInput:
    startup: list[CostLine] = field(default_factory=list)
    products: list[ProductLine] = field(default_factory=list)
    fixed: list[CostLine] = field(default_factory=list)
    own_money: float = 0
    loan_amount: float = 0
    loan_rate: float = 0
    loan_method: str = "declining"
    loan_months: int = 12


@dataclass
class ProductFigures:
    line: ProductLine
    price: float                    # the price used: as typed, or the cost-plus price
    suggested_price: float | None   # cost-plus price when a markup is given (day 5)
    markup_margin_percent: float | None
    margin: float                   # Taka earned on each unit over its cost
    margin_percent: float | None    # margin as a share of the price
    monthly_sales: float
    monthly_costs: float
    monthly_margin: float
    break_even_units: int | None    # units a month to cover all fixed costs with this product alone
    break_even_exact: float | None  # the division before rounding up, for the working
    below_cost: bool


@dataclass
class LoanFigures:
    amount: float
    rate: float
    method: str
    months: int
    instalment: float
    total_interest: float

    @property
    def total_repaid(self) -> float:
        return self.amount + self.total_interest


@dataclass
class PlanFigures:
    startup: list[CostLine]
    startup_total: float
    fixed: list[CostLine]
    fixed_total: float
    products: list[ProductFigures]
    monthly_sales: float
    monthly_costs: float
    monthly_margin: float
    monthly_profit: float
    payback_months: int | None
    payback_exact: float | None
    own_money: float
    loan: LoanFigures | None
    money_available: float
    funding_gap: float
    profit_after_instalment: float | None
    warnings: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.startup or self.products or self.fixed or self.own_money or self.loan)


def effective_price(line: ProductLine) -> tuple[float, float | None]:
    """(price used, cost-plus price or None). A typed price wins; otherwise the cost-plus price,
    rounded to whole Taka as people price things in the market."""
    suggested = None
    if line.markup_percent is not None:
        suggested = money.cost_plus_price(line.variable_cost, line.markup_percent)
    if line.price is not None:
        return line.price, suggested
    return float(money.taka(suggested or 0)), suggested


def compute(plan: PlanInput) -> PlanFigures:
    startup_total = sum(line.total for line in plan.startup)
    fixed_total = sum(line.total for line in plan.fixed)
    products, warnings = [], []
    for line in plan.products:
        price, suggested = effective_price(line)
        margin = price - line.variable_cost
        figures = ProductFigures(
            line=line, price=price, suggested_price=suggested,
            markup_margin_percent=(money.margin_percent(line.markup_percent)
                                   if line.markup_percent is not None else None),
            margin=margin, margin_percent=(margin / price * 100) if price > 0 else None,
            monthly_sales=price * line.units_per_month,
            monthly_costs=line.variable_cost * line.units_per_month,
            monthly_margin=margin * line.units_per_month,
            break_even_units=money.break_even_units(fixed_total, price, line.variable_cost),
            break_even_exact=fixed_total / margin if margin > 0 else None,
            below_cost=price < line.variable_cost,
        )
        products.append(figures)
        if figures.below_cost:
            warnings.append(_l("The price of %(name)s is below its cost: every sale loses money.", name=line.name))
        elif margin == 0:
            warnings.append(_l("The price of %(name)s only covers its cost: it earns nothing.", name=line.name))
    monthly_sales = sum(p.monthly_sales for p in products)
    monthly_costs = sum(p.monthly_costs for p in products)
    monthly_margin = sum(p.monthly_margin for p in products)
    monthly_profit = monthly_margin - fixed_total
    payback_exact = startup_total / monthly_profit if monthly_profit > 0 and startup_total > 0 else None
    payback = math.ceil(round(payback_exact, 9)) if payback_exact is not None else None

    loan = None
    if plan.loan_amount > 0 and plan.loan_months > 0:
        instalment, interest = money.loan(plan.loan_amount, plan.loan_rate, plan.loan_months, plan.loan_method)
        loan = LoanFigures(amount=plan.loan_amount, rate=plan.loan_rate, method=plan.loan_method,
                           months=plan.loan_months, instalment=instalment, total_interest=interest)
    available = plan.own_money + (plan.loan_amount if loan else 0)
    gap = max(startup_total - available, 0)
    after = monthly_profit - loan.instalment if loan else None

    if products and monthly_profit < 0:
        warnings.append(_l("Your plan loses money each month: sales do not cover the costs."))
    if loan and loan.instalment > monthly_profit:
        warnings.append(_l("The loan instalment is more than your monthly profit: you could not repay it "
                           "from the business."))
    if gap > 0:
        warnings.append(_l("Your own money and the loan do not cover the start-up costs."))
    return PlanFigures(startup=list(plan.startup), startup_total=startup_total, fixed=list(plan.fixed),
                       fixed_total=fixed_total, products=products, monthly_sales=monthly_sales,
                       monthly_costs=monthly_costs, monthly_margin=monthly_margin, monthly_profit=monthly_profit,
                       payback_months=payback, payback_exact=payback_exact, own_money=plan.own_money, loan=loan,
                       money_available=available,
                       funding_gap=gap, profit_after_instalment=after, warnings=warnings)


def from_model(plan) -> PlanInput:
    """A PlanInput from a FinancialPlan row (or an empty one for None)."""
    if plan is None:
        return PlanInput()
    return PlanInput(
        startup=[CostLine(c.name, c.amount, c.quantity) for c in plan.lines("startup")],
        fixed=[CostLine(c.name, c.amount) for c in plan.lines("fixed")],
        products=[ProductLine(p.name, p.variable_cost, p.units_per_month, p.price, p.markup_percent)
                  for p in plan.products],
        own_money=plan.own_money or 0, loan_amount=plan.loan_amount or 0, loan_rate=plan.loan_rate or 0,
        loan_method=plan.loan_method, loan_months=plan.loan_months or 12,
    )
