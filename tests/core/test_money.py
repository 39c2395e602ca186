"""The weekly-instalment loan taught on day 7, checked against a week-by-week schedule worked out
here independently, and against the flat and declining figures people are shown in class."""
import pytest

from edt import money


def _schedule(principal, annual_rate_percent, weeks, instalment):
    """Week by week: interest on what is still owed, then the instalment. Returns (interest, left)."""
    owed, interest_paid = principal, 0.0
    for _ in range(weeks):
        interest = owed * annual_rate_percent / 100 / 52
        interest_paid += interest
        owed = owed + interest - instalment
    return interest_paid, owed


def test_declining_weekly_loan_ends_with_the_last_instalment():
    instalment, interest = money.weekly_loan(20000, 24, 46, "declining")
    assert money.taka(instalment) == 484 and money.taka(interest) == 2244
    paid, left = _schedule(20000, 24, 46, instalment)
    assert abs(left) < 1e-6 and paid == pytest.approx(interest)


def test_flat_weekly_loan_charges_the_year_on_the_full_amount():
    instalment, interest = money.weekly_loan(20000, 15, 46, "flat")
    assert interest == 3000 and instalment == 500
    # The same 15% flat over 46 weeks costs as much as about 31.7% on what is still owed.
    low, high = 0.0, 100.0
    for _ in range(60):
        rate = (low + high) / 2
        low, high = (rate, high) if money.weekly_loan(20000, rate, 46, "declining")[0] < 500 else (low, rate)
    assert round(rate, 1) == 31.7


def test_a_shorter_flat_term_and_a_free_loan():
    assert money.weekly_loan(10000, 12, 23, "flat", term_weeks=26)[1] == 600
    instalment, interest = money.weekly_loan(4600, 0, 46, "declining")
    assert instalment == 100 and interest == 0


@pytest.mark.parametrize("args", [(20000, 24, 0, "declining"), (20000, 24, 46, "weekly"),
                                  (20000, 24, 46, "flat", 0)])
def test_nonsense_is_refused(args):
    with pytest.raises(ValueError):
        money.weekly_loan(*args)
