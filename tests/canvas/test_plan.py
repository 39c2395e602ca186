"""The financial plan: the curriculum's worked examples give the same figures through the plan,
Bangla digits are accepted, bad input is refused in plain words, and saves never overwrite."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from edt import money
from edt.content import library
from edt.extensions import db
from edt.modules.canvas import plan
from edt.forms import parse_number
from edt.modules.canvas.models import Canvas, FinancialPlan, PlanCost, PlanProduct
from edt.modules.canvas.queries import plan_of

from tests.conftest import csrf_token
from tests.factories import make_canvas, make_plan


def examples(tool):
    found = [(day.meta["day"], example) for day in library().days.values()
             for example in (day.meta.get("examples") or {}).get(tool, [])]
    assert found, f"the curriculum has no worked example for {tool}"
    return found


# --- the curriculum's worked examples, through the plan ----------------------------------------

def test_break_even_examples(app):
    for _day, ex in examples("break_even"):
        figures = plan.compute(plan.PlanInput(
            fixed=[plan.CostLine("Fixed costs", ex["fixed_costs"])],
            products=[plan.ProductLine(ex["label"], ex["variable_cost"], 0, price=ex["price"])]))
        assert figures.products[0].break_even_units == ex["answer_units"], ex["label"]


def test_cost_plus_price_examples(app):
    for _day, ex in examples("cost_plus_price"):
        figures = plan.compute(plan.PlanInput(products=[
            plan.ProductLine(ex["label"], ex["unit_cost"], 10, markup_percent=ex["markup_percent"])]))
        product = figures.products[0]
        assert money.taka(product.suggested_price) == ex["answer_price"], ex["label"]
        assert product.price == ex["answer_price"]  # no price typed: the cost-plus price is used
        assert round(product.markup_margin_percent, 1) == ex["answer_margin_percent"], ex["label"]
        assert round(product.margin_percent, 1) == pytest.approx(ex["answer_margin_percent"], abs=0.15)


@pytest.mark.parametrize("tool, method", [("flat_loan", "flat"), ("declining_loan", "declining")])
def test_loan_examples(app, tool, method):
    for _day, ex in examples(tool):
        figures = plan.compute(plan.PlanInput(loan_amount=ex["principal"], loan_rate=ex["annual_rate_percent"],
                                              loan_months=ex["months"], loan_method=method))
        assert money.taka(figures.loan.instalment) == ex["answer_instalment"], ex["label"]
        assert money.taka(figures.loan.total_interest) == ex["answer_total_interest"], ex["label"]


def test_the_worked_examples_survive_the_form_the_database_and_the_page(client, login, world):
    """Day 5's and day 7's figures typed into the plan form (in Bangla digits) come back on the page."""
    p = world.participant
    make_canvas(p)
    login(p.user)
    be = next(ex for _d, ex in examples("break_even") if ex["fixed_costs"] == 1700)
    flat = examples("flat_loan")[0][1]
    bangla = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
    response = client.post(f"/canvas/{p.id}/plan/edit", data={
        "csrf_token": csrf_token(client, "/"), "version": "0",
        "startup-0-name": "Sewing machine", "startup-0-quantity": "১", "startup-0-amount": "৯,০০০",
        "products-0-name": "Salwar kameez", "products-0-variable_cost": str(be["variable_cost"]).translate(bangla),
        "products-0-price": str(be["price"]).translate(bangla), "products-0-units_per_month": "১২",
        "fixed-0-name": "Rent and electricity", "fixed-0-amount": f"Tk {be['fixed_costs']:,}",
        "own_money": "2000", "loan_amount": str(flat["principal"]), "loan_rate": str(flat["annual_rate_percent"]),
        "loan_method": "flat", "loan_months": str(flat["months"]),
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    saved = plan_of(db.session.scalar(select(Canvas)))
    assert saved.lines("startup")[0].amount == 9000 and saved.products[0].variable_cost == be["variable_cost"]
    page = client.get(f"/canvas/{p.id}/plan").get_data(as_text=True)
    assert f"{be['answer_units']} a month" in page  # break-even
    assert f"Tk {flat['answer_instalment']:,}" in page and f"Tk {flat['answer_total_interest']:,}" in page
    # Profit a month: 12 x (620 - 440) - 1700 = 460; the instalment (1,867) is more: a warning.
    assert "Tk 460" in page and "The loan instalment is more than your monthly profit" in page
    # Start-up 9,000 with 2,000 own money and a 20,000 loan: covered; paid back in 9000/460 -> 20 months.
    assert "20 months" in page and "Still missing" not in page


def test_day_7s_start_up_budget_typed_into_the_plan_form_gives_the_days_figures(client, login, world):
    """The start-up budget session teaches the plan form box by box: Momena's second shed, typed in as
    the day shows it (how many, cost of one, own money, the loan), comes back with the day's answers."""
    p = world.participant
    make_canvas(p)
    login(p.user)
    for ex in [ex for _d, ex in examples("startup_budget") if ex.get("loan_amount")][:1]:
        bangla = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
        data = {"csrf_token": csrf_token(client, "/"), "version": "0", "own_money": str(ex["own_money"]),
                "loan_amount": str(ex["loan_amount"]).translate(bangla), "loan_rate": str(ex["loan_rate"]),
                "loan_method": ex["loan_method"], "loan_months": str(ex["loan_months"])}
        for i, item in enumerate(ex["items"]):
            data.update({f"startup-{i}-name": item["item"], f"startup-{i}-quantity": str(item["quantity"]),
                         f"startup-{i}-amount": f"{item['cost_each']:,}"})
        response = client.post(f"/canvas/{p.id}/plan/edit", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        saved = plan_of(db.session.scalar(select(Canvas)))
        assert len(saved.lines("startup")) == len(ex["items"])
        figures = plan.compute(plan.from_model(saved))
        assert figures.startup_total == ex["answer_startup_total"]
        assert figures.money_available == ex["answer_money_available"] and figures.funding_gap == 0
        page = client.get(f"/canvas/{p.id}/plan").get_data(as_text=True)
        assert f"Tk {ex['answer_startup_total']:,}" in page and "Still missing" not in page
        assert f"Tk {ex['answer_monthly_instalment']:,}" in page


def test_weekly_loan_examples_are_cheaper_declining_than_flat_and_the_plan_counts_them_monthly(app):
    """Day 7 compares the same Tk 20,000 weekly (as the MFI is repaid) and monthly (as the plan counts)."""
    weekly = {ex["method"]: ex for _d, ex in examples("weekly_loan")}
    assert weekly["declining"]["principal"] == weekly["flat"]["principal"]
    assert weekly["declining"]["answer_total_interest"] < weekly["flat"]["answer_total_interest"]
    assert weekly["declining"]["annual_rate_percent"] > weekly["flat"]["annual_rate_percent"]  # 24% vs 15%
    monthly = plan.compute(plan.PlanInput(loan_amount=weekly["declining"]["principal"],
                                          loan_rate=weekly["declining"]["annual_rate_percent"],
                                          loan_months=12, loan_method="declining"))
    declining_monthly = examples("declining_loan")[0][1]
    assert money.taka(monthly.loan.total_interest) == declining_monthly["answer_total_interest"]


# --- the figures ------------------------------------------------------------------------------

def test_monthly_profit_payback_and_warnings(app):
    figures = plan.compute(plan.PlanInput(
        startup=[plan.CostLine("Sewing machine", 9000), plan.CostLine("Scissors", 250, 2)],
        products=[plan.ProductLine("Blouse", 150, 20, price=250), plan.ProductLine("Repairs", 0, 30, price=40),
                  plan.ProductLine("Sari fall", 60, 10, price=50)],
        fixed=[plan.CostLine("Rent", 1500), plan.CostLine("Electricity", 300)],
        own_money=3000, loan_amount=5000, loan_rate=24, loan_months=12, loan_method="declining"))
    assert figures.startup_total == 9500 and figures.fixed_total == 1800
    assert figures.monthly_margin == 20 * 100 + 30 * 40 + 10 * -10 == 3100
    assert figures.monthly_profit == 1300
    assert figures.payback_months == 8  # 9500 / 1300 = 7.3 -> 8
    assert figures.products[2].below_cost and figures.products[2].break_even_units is None
    assert figures.funding_gap == 1500
    text = " ".join(str(w) for w in figures.warnings)
    assert "Sari fall is below its cost" in text and "do not cover the start-up costs" in text
    assert "instalment is more" not in text  # 473 < 1300
    empty = plan.compute(plan.PlanInput())
    assert empty.is_empty and empty.warnings == [] and empty.payback_months is None


@pytest.mark.parametrize("typed, expected", [
    ("১২০০", 1200), ("১,২০০.৫০", 1200.5), ("Tk 1,200", 1200), ("৳ ৫০০", 500), ("  42 ", 42), ("", None),
    ("৫০০ টাকা", 500),
])
def test_numbers_in_bangla_or_latin_digits(typed, expected):
    value = parse_number(typed)
    assert (None if value is None else float(value)) == expected


@pytest.mark.parametrize("typed", ["-5", "abc", "1.234", "1e5", "১২-৩"])
def test_numbers_that_are_refused(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


@pytest.mark.parametrize("field, value, message", [
    ("products-0-price", "-10", "cannot be negative"),
    ("products-0-units_per_month", "9999999", "too big"),
    ("loan_rate", "140", "too big"),
    ("loan_months", "6.5", "whole number"),
    ("products-0-name", "", "Name this product"),
    ("products-0-price", "", "Write a price, or a markup"),
    ("loan_months", "", "how many months"),
])
def test_bad_plan_input_is_refused_next_to_the_field_and_nothing_saved(client, login, world, field, value, message):
    p = world.participant
    make_canvas(p)
    login(p.user)
    data = {"csrf_token": csrf_token(client, "/"), "version": "0", "products-0-name": "Tea",
            "products-0-variable_cost": "5", "products-0-price": "10", "products-0-units_per_month": "400",
            "loan_amount": "10000", "loan_rate": "24", "loan_months": "12", "loan_method": "declining", field: value}
    response = client.post(f"/canvas/{p.id}/plan/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert f'value="{value}"' in html or value == ""  # what was typed is shown back
    assert db.session.scalar(select(func.count()).select_from(FinancialPlan)) == 0


def test_the_plan_is_replaced_whole_and_a_stale_save_is_refused_with_both_versions(client, login, world):
    p = world.participant
    canvas = make_canvas(p)
    make_plan(canvas, p.user, products=[plan.ProductLine("Tea", 5, 400, price=10)],
              fixed=[plan.CostLine("Stall rent", 2000)])
    # The facilitator saves a new version; the participant's form still says version 1.
    make_plan(canvas, world.facilitator, products=[plan.ProductLine("Milk tea", 6, 500, price=10)],
              fixed=[plan.CostLine("Stall rent", 2000)])
    login(p.user)
    response = client.post(f"/canvas/{p.id}/plan/edit", data={
        "csrf_token": csrf_token(client, "/"), "version": "1", "products-0-name": "Ginger tea",
        "products-0-variable_cost": "6", "products-0-price": "12", "products-0-units_per_month": "300"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="conflict"' in html
    assert "Milk tea" in html and 'value="Ginger tea"' in html and 'name="version" type="hidden" value="2"' in html
    saved = plan_of(canvas)
    assert saved.version == 2 and [x.name for x in saved.products] == ["Milk tea"]
    assert db.session.scalar(select(func.count()).select_from(PlanProduct)) == 1
    assert db.session.scalar(select(func.count()).select_from(PlanCost)) == 1


def test_an_approved_plan_is_frozen(client, login, world):
    p = world.participant
    make_canvas(p, items={"channels": ["Home"]}, status="approved", reviewer=world.facilitator)
    login(p.user)
    assert client.get(f"/canvas/{p.id}/plan/edit").status_code == 302
    response = client.post(f"/canvas/{p.id}/plan/edit", data={"csrf_token": csrf_token(client, "/"), "version": "0",
                                                               "own_money": "100"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(FinancialPlan)) == 0


def test_the_database_refuses_negative_amounts(app, world):
    canvas = make_canvas(world.participant)
    db.session.add(FinancialPlan(canvas_id=canvas.id, own_money=-1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_full_plan_still_opens_and_more_lines_are_refused(client, login, world):
    p = world.participant
    canvas = make_canvas(p)
    make_plan(canvas, p.user, startup=[plan.CostLine(f"Tool {i}", 10) for i in range(20)])
    login(p.user)
    edit = f"/canvas/{p.id}/plan/edit"
    assert client.get(edit).status_code == 200
    data = {"csrf_token": csrf_token(client, "/"), "version": "1"}
    for i in range(21):
        data.update({f"startup-{i}-name": f"Tool {i}", f"startup-{i}-amount": "10"})
    response = client.post(edit, data=data)
    assert response.status_code == 400 and "At most 20 lines in each part." in response.get_data(as_text=True)
    assert len(plan_of(canvas).lines("startup")) == 20
