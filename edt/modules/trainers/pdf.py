"""The facilitator credential PDF, in the certificate engine's style: the same frame, seal, fonts
(Bangla shaped by HarfBuzz), QR code and neutral metadata (serial only, never the holder's name).
Drawn from a plain CredentialPaper, so the view decides nothing about its content."""
import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.enums import TA_CENTER

from edt import pdffonts
from edt.modules.certificates.pdf import (GREEN, INK, MUTED, PAGE, QR_SIZE, _centre, _qr, _seal,
                                          _signatures, _styles, draw_heading, long_date)

TITLE = "Facilitator Credential"
TITLE_BN = "প্রশিক্ষকের সনদ"
ROLE = "is a certified facilitator of the Entrepreneurship Development Training (10 days)"
ROLE_BN = "উদ্যোক্তা উন্নয়ন প্রশিক্ষণের (১০ দিন) স্বীকৃত প্রশিক্ষক"


@dataclass(frozen=True)
class CredentialPaper:
    serial: str
    grouped_code: str
    holder_name: str
    organisation: str
    certified_on: date
    expires_on: date
    verify_url: str
    signatories: tuple = ()


def render(paper: CredentialPaper) -> bytes:
    styles = _styles()
    bn = pdffonts.style("cred-bn", size=12, alignment=TA_CENTER, textColor=GREEN)
    buffer = io.BytesIO()
    c = pdffonts.NeutralCanvas(buffer, pagesize=PAGE, invariant=1, pageCompression=1,
                               title=f"Facilitator credential {paper.serial}", organisation=paper.organisation)
    c.setDateFormatter(lambda *_parts: f"D:{paper.certified_on:%Y%m%d}000000+06'00'")
    w, h = PAGE
    bottom = draw_heading(c, styles, TITLE, TITLE_BN, paper.holder_name, title_size=34)
    c.setFillColor(GREEN)
    c.setFont("Helvetica-Bold", 14)
    c.drawCentredString(w / 2, bottom - 32, ROLE)
    y = _centre(c, pdffonts.paragraph(ROLE_BN, bn), bottom - 40)
    c.setFillColor(INK)
    c.setFont("Helvetica", 13)
    c.drawCentredString(w / 2, y - 18, f"certified on {long_date(paper.certified_on)}, "
                                       f"valid until {long_date(paper.expires_on)},")
    _centre(c, pdffonts.paragraph(f"facilitator with {paper.organisation}.", styles["line"]), y - 24)
    _signatures(c, styles, paper.signatories or [], 156)
    _seal(c, 128, 172)
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(62, 112, f"Credential no. {paper.serial}")
    c.setFont("Helvetica", 8.5)
    c.drawString(62, 99, f"Valid until {long_date(paper.expires_on)}")
    c.drawString(62, 86, "Verification code:")
    c.setFont("Courier-Bold", 8.5)
    c.drawString(62, 74, paper.grouped_code)
    _qr(c, paper.verify_url, w - 62 - QR_SIZE, 58)
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 8)
    c.drawCentredString(w / 2, 44, f"Check this credential: scan the code or open {paper.verify_url}")
    c.linkURL(paper.verify_url, (w / 2 - 200, 40, w / 2 + 200, 54), relative=0)
    c.showPage()
    c.save()
    return buffer.getvalue()
