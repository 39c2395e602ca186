"""Nothing that marks a participant: a participant follows every link they can reach from
their home page, in English and in Bangla, and downloads every PDF they can get; none of it (text,
PDF text or PDF metadata) mentions trafficking, survivors or victims. The same for the sign-in
sheet and the certificates staff print. Every page a participant sees offers "Log out"."""
import io
import re
import zipfile
from html.parser import HTMLParser
from urllib.parse import parse_qs, urldefrag, urljoin, urlparse

import pytest
from pypdf import PdfReader

from edt.modules.certificates import services as certificates
from edt.modules.canvas.plan import CostLine, ProductLine

from tests.conftest import csrf_token
from tests.factories import make_certifiable_batch, make_participant, make_plan

FORBIDDEN = ("trafficking", "trafficked", "traffick", "survivor", "victim", "পাচার", "ভুক্তভোগী")
LOG_OUT = {"en": "Log out", "bn": None}  # the Bangla label is whatever the catalogue says; the form is checked


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form" and (a.get("method") or "get").lower() == "get" and a.get("action"):
            self.links.append(a["action"])


def _links(base: str, html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    out = []
    for href in parser.links:
        url = urldefrag(urljoin(base, href))[0]
        parsed = urlparse(url)
        if parsed.scheme in ("", "http") and parsed.netloc in ("", "localhost") and not parsed.path.startswith(
                "/static/"):
            out.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return out


def pdf_words(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    xmp = reader.xmp_metadata
    return f"{text} {meta} {xmp.rdf_root.toxml() if xmp is not None else ''}"


def marked(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in FORBIDDEN if word in lowered]


def crawl(client, start="/", limit=400):
    """Every same-site page reachable by following links from `start`: {url: (status, type, body)}."""
    seen, queue, found = set(), [start], {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        found[url] = (response.status_code, response.mimetype, response.data)
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
        elif response.mimetype == "text/html":
            queue += [link for link in _links(url, response.get_data(as_text=True)) if link not in seen]
    assert not queue, "the crawl stopped early"
    return found


@pytest.fixture
def graduate(world):
    """A participant with everything a participant can see: a finished batch with their marks, a
    submitted canvas with a plan, and a certificate."""
    p = make_participant(world.khulna, world.trainer, full_name="Rokeya Begum")
    batch, (enrolment,) = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, [p])
    from edt.modules.canvas.queries import canvas_of

    make_plan(canvas_of(p.id), p.user, startup=[CostLine("Sewing machine", 9000)],
              products=[ProductLine("Blouse", 200, 30, price=350)], fixed=[CostLine("Rent", 1500)])
    certificate = certificates.issue(world.trainer, enrolment)
    return p, batch, certificate


@pytest.mark.parametrize("locale", ["en", "bn"])
def test_nothing_a_participant_can_reach_marks_them(client, login, world, graduate, locale):
    p, _batch, certificate = graduate
    login(p.user)
    client.post("/accounts/language", data={"locale": locale, "csrf_token": csrf_token(client, "/")})
    found = crawl(client)
    pages = {u: body for u, (status, kind, body) in found.items() if status == 200 and kind == "text/html"}
    pdfs = {u: body for u, (status, kind, body) in found.items() if status == 200 and kind == "application/pdf"}
    broken = {u: status for u, (status, _kind, _body) in found.items() if status not in (200, 301, 302, 303)}
    assert broken == {}  # no link a participant sees leads to a refusal or an error
    assert len(pages) >= 15 and f"/canvas/{p.id}/pdf" in pdfs and f"/certificates/{certificate.id}.pdf" in pdfs
    for url, body in pages.items():
        html = body.decode("utf-8")
        assert marked(html) == [], url
        # A day can be read in the other language (?lang=en, ?lang=bn): the page says which.
        shown = parse_qs(urlparse(url).query).get("lang", [locale])[0]
        assert f'lang="{shown}"' in html, url
        if not urlparse(url).path.endswith("/print"):  # print views are for paper
            assert 'action="/accounts/logout"' in html, url  # log out on every page (shared phones)
            if LOG_OUT[locale]:
                assert LOG_OUT[locale] in html, url
    for url, body in pdfs.items():
        assert marked(pdf_words(body)) == [], url
        assert b"traffick" not in body.lower() and b"survivor" not in body.lower()


def test_sign_in_sheet_and_certificates_printed_by_staff_mark_nobody(client, login, world, graduate):
    p, batch, certificate = graduate
    login(world.trainer)
    files = {f"/attendance/days/{batch.days[0].id}/sheet.pdf": "pdf",
             f"/certificates/{certificate.id}.pdf": "pdf",
             f"/certificates/batch/{batch.id}/certificates.pdf": "pdf",
             f"/certificates/batch/{batch.id}/certificates.zip": "zip"}
    for url, kind in files.items():
        response = client.get(url)
        assert response.status_code == 200, url
        if kind == "zip":
            with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
                for name in archive.namelist():
                    assert marked(name + pdf_words(archive.read(name))) == [], name
        else:
            words = pdf_words(response.data)
            assert marked(words) == [], url
            assert re.search(r"Entrepreneurship\s+Development\s+Training", words), url
        assert marked(response.headers.get("Content-Disposition", "")) == []
