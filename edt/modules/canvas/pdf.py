"""The business plan as a PDF a participant can print and take to a lender: A4 landscape, the
nine blocks in the canvas's usual arrangement on page 1, the financial plan on page 2.

All text goes through edt.pdffonts.paragraph: escaped (a note like "<img src=x>" prints as typed)
and shaped, so Bangla conjuncts and vowel signs come out right.
"""
from datetime import date
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepInFrame, PageBreak, PageTemplate, Spacer,
                                Table, TableStyle)

from edt import clock, pdffonts
from edt.formats import day, digits, num, tk
from edt.formats import gettext as _  # numbers in the messages in the reader's digits

from .plan import PlanFigures

BRAND = colors.HexColor("#0b6e4f")
MUTED = colors.HexColor("#5b6472")
LINE = colors.HexColor("#9aa3ad")
SOFT = colors.HexColor("#f4f6f8")
WARN = colors.HexColor("#9a3b00")
PAGE = landscape(A4)
MARGIN = 12 * mm

# The canvas arrangement on a 10-column, 3-row grid: (column, row, column span, row span).
LAYOUT = {
    "key_partners": (0, 0, 2, 2),
    "key_activities": (2, 0, 2, 1),
    "key_resources": (2, 1, 2, 1),
    "value_propositions": (4, 0, 2, 2),
    "customer_relationships": (6, 0, 2, 1),
    "channels": (6, 1, 2, 1),
    "customer_segments": (8, 0, 2, 2),
    "cost_structure": (0, 2, 5, 1),
    "revenue_streams": (5, 2, 5, 1),
}
ROW_SHARE = (0.36, 0.36, 0.28)


def _styles():
    s = pdffonts.style
    return {
        "title": s("title", size=16, bold=True, textColor=BRAND),
        "meta": s("meta", size=9.5, textColor=MUTED),
        "block": s("block", size=11, bold=True, textColor=BRAND),
        "question": s("question", size=7.5, textColor=MUTED),
        "item": s("item", size=10, leftIndent=8, bulletIndent=0, spaceAfter=1.5),
        "h2": s("h2", size=12, bold=True, textColor=BRAND, spaceBefore=6, spaceAfter=3),
        "cell": s("cell", size=9),
        "cell_bold": s("cell_bold", size=9, bold=True),
        "warn": s("warn", size=9, bold=True, textColor=WARN),
        "foot": s("foot", size=7.5, textColor=MUTED),
    }


class CanvasGrid(Flowable):
    """The nine blocks drawn as boxes, each shrinking its notes to fit its box."""

    def __init__(self, blocks: list[dict], styles: dict, width: float, height: float):
        super().__init__()
        self.blocks, self.styles, self.width, self.height = blocks, styles, width, height

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        col = self.width / 10
        tops = [self.height]
        for share in ROW_SHARE:
            tops.append(tops[-1] - self.height * share)
        c = self.canv
        c.setStrokeColor(LINE)
        c.setLineWidth(0.8)
        for block in self.blocks:
            x0, row, span_x, span_y = LAYOUT[block["key"]]
            x, w = x0 * col, span_x * col
            top, bottom = tops[row], tops[row + span_y]
            h = top - bottom
            c.setFillColor(colors.white)
            c.rect(x, bottom, w, h, stroke=1, fill=0)
            content = [pdffonts.paragraph(block["label"], self.styles["block"]),
                       pdffonts.paragraph(block["question"], self.styles["question"]), Spacer(1, 3)]
            content += [pdffonts.paragraph(item, self.styles["item"]) for item in block["notes"]]
            for flowable in content[3:]:
                flowable.bulletText = "•"
            frame = KeepInFrame(w - 8, h - 8, content, mode="shrink")
            _w, used = frame.wrapOn(c, w - 8, h - 8)
            frame.drawOn(c, x + 4, top - 4 - used)


def _figures_tables(figures: PlanFigures, styles: dict, width: float, height: float) -> list:
    """Products and start-up costs on the left, monthly costs and the summary on the right; a plan
    too long for one page flows down in one column instead (a table cell cannot break across pages)."""
    p = pdffonts.paragraph
    gap = 14
    left_width, right_width = width * 0.58 - gap, width * 0.42

    def table(header, rows, widths, bold_last=False, right=False):
        full = right_width if right else left_width
        data = [[p(h, styles["cell_bold"]) for h in header]] + [
            [p(cell, styles["cell_bold"] if bold_last and i == len(rows) - 1 else styles["cell"]) for cell in row]
            for i, row in enumerate(rows)]
        t = Table(data, colWidths=[full * w for w in widths], hAlign="LEFT", repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, LINE), ("BACKGROUND", (0, 0), (-1, 0), SOFT),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 2),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        return t

    left, right = [], []
    if figures.products:
        left.append(p(_("Products and services"), styles["h2"]))
        rows = []
        for f in figures.products:
            rows.append([f.line.name, tk(f.line.variable_cost), tk(f.price),
                         f"{tk(f.margin)} ({num(f.margin_percent)}%)" if f.margin_percent is not None else tk(f.margin),
                         num(f.line.units_per_month, 2), tk(f.monthly_margin),
                         digits(f.break_even_units) if f.break_even_units is not None else "—"])
        left.append(table([_("Product"), _("Cost of one"), _("Price"), _("Margin on one"), _("A month"),
                           _("Margin a month"), _("Break-even a month")], rows,
                          (0.2, 0.11, 0.1, 0.17, 0.1, 0.14, 0.14)))
    if figures.startup:
        left.append(p(_("Start-up costs"), styles["h2"]))
        rows = [[c.name, num(c.quantity, 2), tk(c.amount), tk(c.total)] for c in figures.startup]
        rows.append([_("Total"), "", "", tk(figures.startup_total)])
        left.append(table([_("Item"), _("How many"), _("Cost of one"), _("Total")], rows, (0.46, 0.14, 0.2, 0.2),
                          bold_last=True))
    if figures.fixed:
        right.append(p(_("Fixed costs a month"), styles["h2"]))
        rows = [[c.name, tk(c.total)] for c in figures.fixed] + [[_("Total"), tk(figures.fixed_total)]]
        right.append(table([_("Cost"), _("A month")], rows, (0.6, 0.4), bold_last=True, right=True))
    right.append(p(_("Summary"), styles["h2"]))
    rows = [[_("Sales a month"), tk(figures.monthly_sales)],
            [_("Costs of what is sold a month"), tk(figures.monthly_costs)],
            [_("Fixed costs a month"), tk(figures.fixed_total)],
            [_("Profit a month"), tk(figures.monthly_profit)],
            [_("Start-up costs"), tk(figures.startup_total)],
            [_("Months to pay back the start-up costs"),
             digits(figures.payback_months) if figures.payback_months else "—"],
            [_("My own money"), tk(figures.own_money)]]
    if figures.loan:
        loan = figures.loan
        method = _("declining balance") if loan.method == "declining" else _("flat rate")
        rows += [[_("Loan"), _("%(amount)s at %(rate)s%% a year (%(method)s), %(months)d months",
                               amount=tk(loan.amount), rate=num(loan.rate, 2), method=method, months=loan.months)],
                 [_("Monthly instalment"), tk(loan.instalment)],
                 [_("Total interest"), tk(loan.total_interest)],
                 [_("Profit a month after the instalment"), tk(figures.profit_after_instalment)]]
    right.append(table([_("What"), _("Taka")], rows, (0.6, 0.4), right=True))
    warnings = [p("! " + str(w), styles["warn"]) for w in figures.warnings]
    columns = Table([[left or [Spacer(1, 1)], right + ([Spacer(1, 6)] + warnings if warnings else [])]],
                    colWidths=[left_width + gap, right_width])
    columns.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    if columns.wrap(width, height)[1] <= height:
        return [columns]
    return left + right + [Spacer(1, 6)] + warnings


def render(participant, canvas, figures: PlanFigures, *, blocks: list[dict], locale: str = "en",
           today: date | None = None) -> bytes:
    """The business plan as PDF bytes."""
    pdffonts.register()
    styles = _styles()
    buffer = BytesIO()
    business = canvas.business_name or _("My business")
    doc = BaseDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN + 5 * mm, lang=locale)
    width, height = PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN - 5 * mm

    def footer(c, _doc):
        c.saveState()
        line = pdffonts.paragraph(pdffonts.ATTRIBUTION, styles["foot"])
        line.wrapOn(c, width * 0.85, 20)
        line.drawOn(c, MARGIN, MARGIN - 2)
        number = pdffonts.paragraph(f"{c.getPageNumber()}", styles["foot"])
        number.wrapOn(c, 30, 20)
        number.drawOn(c, PAGE[0] - MARGIN - 10, MARGIN - 2)
        c.restoreState()

    doc.addPageTemplates([PageTemplate("page", [Frame(MARGIN, MARGIN + 5 * mm, width, height, id="body",
                                                      leftPadding=0, rightPadding=0, topPadding=0,
                                                      bottomPadding=0)], onPage=footer)])
    when = day(today or clock.today(), "long")  # the day in Bangladesh
    header = Table([[pdffonts.paragraph(business, styles["title"]),
                     pdffonts.paragraph(f"{participant.full_name} · {when}", styles["meta"])]],
                   colWidths=[width * 0.62, width * 0.38])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                                ("LINEBELOW", (0, 0), (-1, 0), 1, BRAND)]))
    story = [header, Spacer(1, 6), CanvasGrid(blocks, styles, width, height - 40)]
    story += [PageBreak(), Table([[pdffonts.paragraph(_("Financial plan"), styles["title"]),
                                   pdffonts.paragraph(f"{business} · {participant.full_name} · {when}",
                                                      styles["meta"])]],
                                 colWidths=[width * 0.4, width * 0.6],
                                 style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                   ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                                   ("LINEBELOW", (0, 0), (-1, 0), 1, BRAND)])),
              Spacer(1, 4)]
    if figures.is_empty:
        story.append(pdffonts.paragraph(_("No financial plan yet."), styles["cell"]))
    else:
        story += _figures_tables(figures, styles, width, height - 40)
    # The metadata holds the pseudonymous code only: the name and the business name (which often
    # holds the owner's name) are printed on the page, never in the file's properties.
    doc.build(story, canvasmaker=pdffonts.canvas_maker(title=_("Business plan %(code)s", code=participant.code),
                                                       organisation=participant.partner.name))
    return buffer.getvalue()
