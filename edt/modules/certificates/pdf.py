"""The certificate PDF: A4 landscape, drawn only from the stored Certificate row.

Everything printed comes from the row (name, dates, partner, signatories, serial, code, issue
date, verify URL), and the document is written in ReportLab's invariant mode with the issue date
as its creation date, so a certificate downloads byte-identically however often it is fetched.
Names and partner names go through edt.pdffonts.paragraph: escaped (markup prints literally) and
shaped by HarfBuzz (Bangla conjuncts and vowel signs join correctly). The PDF's metadata is
neutral (edt.pdffonts.NeutralCanvas): serial, training name and partner, never the holder's name
or anything about why they took the training.
"""
import io
import itertools

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas as PdfCanvas

from edt import pdffonts
from edt.formats import long_date

from .wording import TRAINING, TRAINING_BN

PAGE = landscape(A4)
TITLE = "Certificate of Completion"
TITLE_BN = "সনদপত্র"
GREEN = HexColor("#0b6e4f")
GOLD = HexColor("#b08d3c")
INK = HexColor("#1d2430")
MUTED = HexColor("#5b6472")
TINT = Color(0.043, 0.431, 0.31, alpha=0.06)
QR_SIZE = 92


def _styles():
    pdffonts.register()
    return {
        "name": lambda size: pdffonts.style("cert-name", size=size, bold=True, alignment=TA_CENTER,
                                            textColor=INK),
        "line": pdffonts.style("cert-line", size=13, alignment=TA_CENTER, textColor=INK),
        "bn": pdffonts.style("cert-bn", size=12, alignment=TA_CENTER, textColor=GREEN),
        "title_bn": pdffonts.style("cert-title-bn", size=15, bold=True, alignment=TA_CENTER, textColor=GOLD),
        "sign_name": pdffonts.style("cert-sign-name", size=10, bold=True, alignment=TA_CENTER, textColor=INK),
        "sign_title": pdffonts.style("cert-sign-title", size=9, alignment=TA_CENTER, textColor=MUTED),
        "small": pdffonts.style("cert-small", size=8.5, alignment=TA_LEFT, textColor=INK, leading=12),
    }


def _centre(c: PdfCanvas, para, y_top: float, width: float = 640) -> float:
    """Draw a paragraph centred on the page with its top at y_top; returns its bottom."""
    _w, height = para.wrap(width, 400)
    para.drawOn(c, (PAGE[0] - width) / 2, y_top - height)
    return y_top - height


def _name(c: PdfCanvas, styles, holder_name: str, y_top: float) -> float:
    """The holder's name, as large as fits on one line (down to 18 pt, then it wraps)."""
    for size in (30, 26, 22, 18):
        para = pdffonts.paragraph(holder_name, styles["name"](size))
        _w, height = para.wrap(620, 400)
        if height <= size * 1.5:
            break
    para.drawOn(c, (PAGE[0] - 620) / 2, y_top - height)
    return y_top - height


def _frame(c: PdfCanvas) -> None:
    w, h = PAGE
    c.setFillColor(TINT)
    c.rect(0, 0, w, h, stroke=0, fill=1)
    c.setFillColor(white)
    c.rect(30, 30, w - 60, h - 60, stroke=0, fill=1)
    c.setStrokeColor(GREEN)
    c.setLineWidth(4)
    c.rect(18, 18, w - 36, h - 36)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.rect(27, 27, w - 54, h - 54)
    c.setLineWidth(0.5)
    c.rect(31, 31, w - 62, h - 62)
    # Corner diamonds.
    c.setFillColor(GOLD)
    for x, y in ((27, 27), (w - 27, 27), (27, h - 27), (w - 27, h - 27)):
        path = c.beginPath()
        path.moveTo(x, y - 7)
        path.lineTo(x + 7, y)
        path.lineTo(x, y + 7)
        path.lineTo(x - 7, y)
        path.close()
        c.drawPath(path, stroke=0, fill=1)


def _seal(c: PdfCanvas, x: float, y: float) -> None:
    """A plain rosette with the training's initials: decoration, not a signature."""
    c.setStrokeColor(GOLD)
    c.setFillColor(white)
    c.setLineWidth(2)
    c.circle(x, y, 34, stroke=1, fill=1)
    c.setLineWidth(0.7)
    c.circle(x, y, 29, stroke=1, fill=0)
    c.setDash(1, 2)
    c.circle(x, y, 25, stroke=1, fill=0)
    c.setDash()
    c.setFillColor(GREEN)
    c.setFont("Times-Bold", 17)
    c.drawCentredString(x, y - 2, "EDT")
    c.setFont("Helvetica-Bold", 5.5)
    c.drawCentredString(x, y - 12, "10 DAYS")


def _qr(c: PdfCanvas, url: str, x: float, y: float) -> None:
    """The verify URL as a QR code, from one QrCodeWidget encoded once. Its module matrix is laid
    down as one filled path: going through getBounds() or a Drawing would encode it again and
    draw hundreds of separate shapes. The white page around it is the quiet zone."""
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    count = widget.qr.getModuleCount()
    box = QR_SIZE / count
    path = c.beginPath()
    for r, row in enumerate(widget.qr.modules):
        column = 0
        for dark, run in itertools.groupby(bool(m) for m in row):
            length = len(list(run))
            if dark:
                path.rect(x + column * box, y + QR_SIZE - (r + 1) * box, length * box, box)
            column += length
    c.setFillColor(black)
    c.drawPath(path, stroke=0, fill=1)
    c.linkURL(url, (x, y, x + QR_SIZE, y + QR_SIZE), relative=0)


def _signatures(c: PdfCanvas, styles, signatories, y_line: float) -> None:
    people = [tuple(s) for s in signatories if any(s)][:4] or [("", "")]
    left, right = 250, PAGE[0] - 250
    slot = (right - left) / len(people)
    width = min(170, slot - 16)
    for index, (name, title) in enumerate(people):
        centre = left + slot * index + slot / 2
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(centre - width / 2, y_line, centre + width / 2, y_line)
        y = y_line - 4
        for text, style in ((name, styles["sign_name"]), (title, styles["sign_title"])):
            if not text:
                continue
            para = pdffonts.paragraph(text, style)
            _w, height = para.wrap(width + 10, 60)
            para.drawOn(c, centre - (width + 10) / 2, y - height)
            y -= height


def draw_heading(c: PdfCanvas, styles, title: str, title_bn: str, holder_name: str, *, title_size: int) -> float:
    """The frame, the English and Bangla titles and "This is to certify that" the holder, as
    every paper of the programme has them (certificates and facilitator credentials). Returns
    the height of the line under the holder's name."""
    w, h = PAGE
    _frame(c)
    c.setFillColor(GREEN)
    c.setFont("Times-Bold", title_size)
    c.drawCentredString(w / 2, h - 112, title)
    _centre(c, pdffonts.paragraph(title_bn, styles["title_bn"]), h - 120)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.line(w / 2 - 90, h - 148, w / 2 + 90, h - 148)
    c.setFillColor(MUTED)
    c.setFont("Helvetica-Oblique", 13)
    c.drawCentredString(w / 2, h - 180, "This is to certify that")
    bottom = _name(c, styles, holder_name, h - 192)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(w / 2 - 230, bottom - 6, w / 2 + 230, bottom - 6)
    return bottom


def draw_page(c: PdfCanvas, certificate, styles=None) -> None:
    """One certificate on the current page of `c`."""
    styles = styles or _styles()
    w, h = PAGE
    bottom = draw_heading(c, styles, TITLE, TITLE_BN, certificate.holder_name, title_size=36)

    c.setFillColor(MUTED)
    c.setFont("Helvetica-Oblique", 13)
    c.drawCentredString(w / 2, bottom - 30, "has successfully completed the")
    c.setFillColor(GREEN)
    c.setFont("Helvetica-Bold", 19)
    c.drawCentredString(w / 2, bottom - 56, TRAINING)
    y = _centre(c, pdffonts.paragraph(TRAINING_BN, styles["bn"]), bottom - 62)
    c.setFillColor(INK)
    c.setFont("Helvetica", 13)
    c.drawCentredString(w / 2, y - 18, f"held from {long_date(certificate.training_start)} "
                                       f"to {long_date(certificate.training_end)},")
    _centre(c, pdffonts.paragraph(f"organised by {certificate.partner_name}.", styles["line"]), y - 24)

    _signatures(c, styles, certificate.signatories or [], 156)
    _seal(c, 128, 172)

    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(62, 112, f"Certificate no. {certificate.serial}")
    c.setFont("Helvetica", 8.5)
    c.drawString(62, 99, f"Issued on {long_date(certificate.issued_on)}")
    c.drawString(62, 86, "Verification code:")
    c.setFont("Courier-Bold", 8.5)
    c.drawString(62, 74, certificate.grouped_code)

    _qr(c, certificate.verify_url, w - 62 - QR_SIZE, 58)
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 8)
    text = f"Check this certificate: scan the code or open {certificate.verify_url}"
    c.drawCentredString(w / 2, 44, text)
    c.linkURL(certificate.verify_url, (w / 2 - 200, 40, w / 2 + 200, 54), relative=0)


def _canvas(buffer, certificate, title: str) -> PdfCanvas:
    c = pdffonts.NeutralCanvas(buffer, pagesize=PAGE, invariant=1, pageCompression=1, title=title,
                               organisation=certificate.partner_name)
    issued = certificate.issued_on
    c.setDateFormatter(lambda *_parts: f"D:{issued:%Y%m%d}000000+06'00'")
    return c


def render(certificate) -> bytes:
    """One certificate as PDF bytes."""
    buffer = io.BytesIO()
    c = _canvas(buffer, certificate, f"Certificate {certificate.serial}")
    draw_page(c, certificate)
    c.showPage()
    c.save()
    return buffer.getvalue()


def render_many(certificates) -> bytes:
    """Several certificates in one PDF, one page each, for printing. Metadata from the first."""
    certificates = list(certificates)
    buffer = io.BytesIO()
    c = _canvas(buffer, certificates[0], f"Certificates {certificates[0].serial} to {certificates[-1].serial}")
    styles = _styles()
    for certificate in certificates:
        draw_page(c, certificate, styles)
        c.showPage()
    c.save()
    return buffer.getvalue()
