"""The printable sign-in sheet for a training day (A4): code, name and a box to sign or press a
thumbprint. Used on days without a device; the marks are entered afterwards on the day's page,
opened "from the paper sheet" (its rows in this order, with these numbers). Written in the
current locale: the view forces the batch's language. Returns bytes; the view only sends them.
Nothing on it names the programme's purpose."""
from io import BytesIO

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from edt import formats, pdffonts
from edt.content import library

from .queries import SHEET_ROWS as ROWS_PER_PAGE  # a full batch on one A4 page
ROW_HEIGHT = 8.2 * mm  # 25 rows, the header and two blank rows fit one page; tall enough for a thumbprint


def sign_in_sheet(day, enrolments, *, facilitators: list[str] | None = None) -> bytes:
    """A4 sign-in sheet for `day` listing `enrolments` (with participants loaded)."""
    batch = day.batch
    # Bangla names are set in Noto Sans Bengali and shaped by HarfBuzz (edt.pdffonts).
    base = pdffonts.style("signin-base", size=10.5, leading=13)
    small = pdffonts.style("signin-small", size=9, leading=11, textColor=colors.HexColor("#333333"))
    title = pdffonts.style("signin-title", size=15, bold=True, leading=19, spaceAfter=2)
    head = pdffonts.style("signin-head", size=10, bold=True, leading=12)

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=10 * mm,
                            bottomMargin=10 * mm)
    page = library().days.get(day.number)
    day_title = page.title_for(batch.language) if page is not None else ""
    story = [
        pdffonts.paragraph(_("Entrepreneurship Development Training"), title),
        pdffonts.paragraph(_("Sign-in sheet · %(batch)s · Day %(n)d · %(date)s", batch=batch.code, n=day.number,
                             date=formats.day(day.date, "EEEE d MMMM y")), head),
        pdffonts.paragraph(" · ".join(part for part in (day_title, batch.partner.name, batch.venue, batch.district)
                                      if part), small),
        Spacer(1, 2 * mm),
    ]
    header = [pdffonts.paragraph(text, head) for text in
              ("#", _("Code"), _("Name"), _("Signature or thumbprint"), _("Office use: P L E A"))]
    rows = [header]
    for number, enrolment in enumerate(enrolments, start=1):
        person = enrolment.participant
        rows.append([str(number), pdffonts.paragraph(person.code, base), pdffonts.paragraph(person.full_name, base),
                     "", ""])
    for number in range(len(enrolments) + 1, len(enrolments) + 3):  # two blank lines for late additions
        rows.append([str(number), "", "", "", ""])
    width = doc.width
    table = Table(rows, colWidths=[8 * mm, 34 * mm, width - 8 * mm - 34 * mm - 52 * mm - 30 * mm, 52 * mm, 30 * mm],
                  rowHeights=[None] + [ROW_HEIGHT] * (len(rows) - 1), repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecef")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story += [table, Spacer(1, 4 * mm)]
    names = ", ".join(facilitators or [])
    story.append(pdffonts.paragraph(_("Facilitator%(names)s: signature ____________________   Date ____________",
                                      names=f" ({names})" if names else ""), base))
    story.append(Spacer(1, 2 * mm))
    story.append(pdffonts.paragraph(_("Enter the marks afterwards on the day's attendance page: open "
                                      "\"Enter from paper\", its rows come in this order. Keep this sheet in a "
                                      "locked place: it holds names."), small))
    doc.build(story, canvasmaker=pdffonts.canvas_maker(
        title=_("Sign-in sheet %(batch)s · Day %(n)d", batch=batch.code, n=day.number),
        organisation=batch.partner.name))
    return buffer.getvalue()
