
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from edt.content import CANVAS_BLOCKS
from edt.forms import LineField, NumberField

from .models import COMMENT_LENGTH, ITEM_LENGTH, MAX_ITEMS, NAME_LENGTH
from .plan import CostLine, PlanInput, ProductLine, from_model

PLAN_ROWS = 20


class BaseForm(FlaskForm):
    """A one-button action on a canvas, carrying the revision the user was looking at."""
    base = HiddenField(validators=[InputRequired()])

    def base_number(self) -> int | None:
        try:
            return int(self.base.data)
        except (TypeError, ValueError):
            return None


class ItemForm(BaseForm):
    text = LineField(_l("New note"), validators=[DataRequired(_l("Write a few words first.")),
                                                   Length(max=ITEM_LENGTH)],
                       render_kw={"maxlength": ITEM_LENGTH, "autocomplete": "off"})


class ItemActionForm(BaseForm):
    """Move or remove one note: the button pressed sends `op`, like "up-3", "down-0" or "remove-2"."""
    op = LineField(validators=[InputRequired(), Regexp(r"^(up|down|remove)-\d{1,3}$")])

    def action(self) -> tuple[str, int]:
        """(verb, note index) of a validated form."""
        verb, index = self.op.data.split("-")
        return verb, int(index)


class BlockForm(BaseForm):
    items = FieldList(LineField(_l("Note"), validators=[Length(max=ITEM_LENGTH)],
                                  render_kw={"maxlength": ITEM_LENGTH, "autocomplete": "off"}),
                      max_entries=MAX_ITEMS + 5)


class NameForm(BaseForm):
    business_name = LineField(_l("Name of my business"), validators=[Length(max=NAME_LENGTH)],
                                render_kw={"maxlength": NAME_LENGTH, "autocomplete": "off"})


def block_choices(with_general=True):
    general = [("", _l("The whole canvas"))] if with_general else []
    return general + [(key, label) for key, (label, _question) in CANVAS_BLOCKS.items()]


class CommentForm(FlaskForm):
    block = SelectField(_l("About"), choices=block_choices(), validators=[Optional()])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(_l("Write your comment first.")),
                                                    Length(max=COMMENT_LENGTH)],
                         render_kw={"maxlength": COMMENT_LENGTH, "rows": 2})


class ReviewForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve the canvas")),
                                                   ("changes", _l("Ask for changes"))],
                          validators=[InputRequired(_l("Choose approve or ask for changes."))])
    block = SelectField(_l("About"), choices=block_choices(), validators=[Optional()])
    body = TextAreaField(_l("Comment (needed when you ask for changes)"), validators=[Length(max=COMMENT_LENGTH)],
                         render_kw={"maxlength": COMMENT_LENGTH, "rows": 3})
    # which button was pressed: "next" opens the next canvas waiting in the batch's queue
    then = HiddenField()


# --- the financial plan ------------------------------------------------------------------------

class StartupRow(Form):
    name = LineField(_l("Item"), validators=[Length(max=80)], render_kw={"maxlength": 80})
    quantity = NumberField(_l("How many"), maximum=100_000)
    amount = NumberField(_l("Cost of one (Tk)"))


class FixedRow(Form):
    name = LineField(_l("Cost"), validators=[Length(max=80)], render_kw={"maxlength": 80})
    amount = NumberField(_l("Tk per month"))


class ProductRow(Form):
    name = LineField(_l("Product or service"), validators=[Length(max=80)], render_kw={"maxlength": 80})
    variable_cost = NumberField(_l("Cost of one (Tk)"))
    markup_percent = NumberField(_l("Markup %"), maximum=1000)
    price = NumberField(_l("Price of one (Tk)"))
    units_per_month = NumberField(_l("How many a month"), maximum=1_000_000)


class PlanForm(FlaskForm):
    version = HiddenField(validators=[InputRequired()])
    startup = FieldList(FormField(StartupRow), max_entries=PLAN_ROWS + 2)
    products = FieldList(FormField(ProductRow), max_entries=PLAN_ROWS + 2)
    fixed = FieldList(FormField(FixedRow), max_entries=PLAN_ROWS + 2)
    own_money = NumberField(_l("My own money (Tk)"))
    loan_amount = NumberField(_l("Loan amount (Tk)"))
    loan_rate = NumberField(_l("Interest rate (% a year)"), maximum=100)
    loan_method = RadioField(_l("How interest is charged"),
                             choices=[("declining", _l("Declining balance")), ("flat", _l("Flat rate"))],
                             default="declining")
    loan_months = NumberField(_l("Months to repay"), maximum=120, whole=True)

    @classmethod
    def for_plan(cls, plan_row) -> "PlanForm":
        """The form filled from a saved plan (or empty), with a few empty rows to add lines."""
        data = from_model(plan_row)

        def rows(lines, extra):  # the lines, then a few empty rows (never more than the form takes)
            return lines + [{}] * min(max(extra, 3 - len(lines)), PLAN_ROWS + 2 - len(lines))

        return cls(
            formdata=None, version=plan_row.version if plan_row else 0,
            startup=rows([{"name": c.name, "quantity": c.quantity, "amount": c.amount} for c in data.startup], 2),
            products=rows([{"name": p.name, "variable_cost": p.variable_cost, "markup_percent": p.markup_percent,
                            "price": p.price, "units_per_month": p.units_per_month} for p in data.products], 1),
            fixed=rows([{"name": c.name, "amount": c.amount} for c in data.fixed], 2),
            own_money=data.own_money or None, loan_amount=data.loan_amount or None,
            loan_rate=data.loan_rate if data.loan_amount else None, loan_method=data.loan_method,
            loan_months=data.loan_months if data.loan_amount else None,
        )

    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    # Rows left completely empty are ignored; half-filled rows get a plain-words error next to them.
    def plan_input(self):
        """The typed plan as a PlanInput, or None after adding errors next to the fields."""
        ok = True

        def need(field, message):
            nonlocal ok
            field.errors = list(field.errors) + [message]
            ok = False

        def empty(row):
            return all(not (f.data if not isinstance(f, NumberField) else f.data is not None)
                       for f in row)

        def cost_lines(entries, amount_message, with_quantity):
            """Start-up costs (with a quantity) and fixed monthly costs share one check."""
            lines = []
            for entry in entries:
                row = entry.form
                if empty(row):
                    continue
                if not (row.name.data or "").strip():
                    need(row.name, _l("Name this cost."))
                if row.amount.data is None:
                    need(row.amount, amount_message)
                if ok:
                    quantity = (1 if row.quantity.data is None else row.quantity.data,) if with_quantity else ()
                    lines.append(CostLine(row.name.data.strip(), row.amount.data, *quantity))
            return lines

        startup = cost_lines(self.startup, _l("Write what one costs (0 if nothing)."), True)
        fixed = cost_lines(self.fixed, _l("Write how much it costs a month."), False)
        products = []
        for entry in self.products:
            row = entry.form
            if empty(row):
                continue
            if not (row.name.data or "").strip():
                need(row.name, _l("Name this product or service."))
            if row.variable_cost.data is None:
                need(row.variable_cost, _l("Write what one costs you (0 if nothing)."))
            if row.price.data is None and row.markup_percent.data is None:
                need(row.price, _l("Write a price, or a markup to work the price out."))
            if row.units_per_month.data is None:
                need(row.units_per_month, _l("Write how many you expect to sell a month."))
            if ok:
                products.append(ProductLine(row.name.data.strip(), row.variable_cost.data, row.units_per_month.data,
                                            row.price.data, row.markup_percent.data))
        loan_amount = self.loan_amount.data or 0
        if loan_amount > 0:
            if self.loan_rate.data is None:
                need(self.loan_rate, _l("Write the interest rate (0 if there is none)."))
            if not self.loan_months.data:
                need(self.loan_months, _l("Write in how many months you repay the loan (1 to 120)."))
        if not ok:
            return None
        return PlanInput(startup=startup, products=products, fixed=fixed, own_money=self.own_money.data or 0,
                         loan_amount=loan_amount, loan_rate=self.loan_rate.data or 0,
                         loan_method=self.loan_method.data or "declining",
                         loan_months=int(self.loan_months.data or 12))
