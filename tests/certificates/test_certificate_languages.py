"""The certificate is bilingual, Bangla first when its batch is in Bangla (title, "has completed",
the training, its dates in Bengali digits and the partner), English first otherwise; serials
and codes stay Latin."""
import io
import re

from pypdf import PdfReader

from edt.content import bengali_digits
from edt.extensions import db
from edt.modules.certificates import pdf

from tests.certificates.test_certificates import issued

BENGALI = re.compile(r"[\u0980-\u09FF]")


def _lines(data: bytes) -> list[str]:
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_a_bangla_batch_gets_its_certificate_bangla_first_with_bengali_digits_in_the_dates(app, world):
    batch, _, _, certificates = issued(world, names=("Rahela Begum",))
    assert batch.language == "bn"
    certificate = certificates[0]
    lines = _lines(pdf.render(certificate))
    assert BENGALI.search(lines[0]) and lines[1] == "Certificate of Completion"  # Bangla title first
    english_certify = lines.index("This is to certify that")
    assert BENGALI.search(lines[english_certify - 1])  # the Bangla words above their English
    text = "\n".join(lines)
    start_year = bengali_digits(certificate.training_start.year)
    dates = re.findall(r"([০-৯]{1,2}) \S+ ([০-৯]{4})", text)
    assert (bengali_digits(certificate.training_start.day), start_year) in dates
    assert (bengali_digits(certificate.training_end.day), bengali_digits(certificate.training_end.year)) in dates
    assert (bengali_digits(certificate.issued_on.day), bengali_digits(certificate.issued_on.year)) in dates
    held_bn = next(line for line in lines if re.search(r"[০-৯]{4}", line) and "Khulna Partner" in line)
    held_en = next(line for line in lines if line.startswith("held from"))
    assert lines.index(held_bn) < lines.index(held_en)  # Bangla dates and partner first
    assert "?" not in held_bn  # nothing the fonts cannot draw
    assert certificate.serial in text and re.search(r"EDT-\d{4}-\d{6}", text)  # the serial stays Latin
    assert pdf.long_date(certificate.training_start) in text  # and the English dates are there too


def test_an_english_batch_gets_its_certificate_english_first_and_still_bilingual(app, world):
    batch, _, _, certificates = issued(world, names=("Rahela Begum",))
    batch.language = "en"
    db.session.commit()
    lines = _lines(pdf.render(certificates[0]))
    assert lines[0] == "Certificate of Completion" and BENGALI.search(lines[1])
    text = "\n".join(lines)
    assert re.search(r"[০-৯]{1,2} \S+ [০-৯]{4}", text)  # the Bangla dates under the English ones
    held_en = next(line for line in lines if line.startswith("held from"))
    held_bn = next(line for line in lines if re.search(r"[০-৯]{4}", line) and "Khulna Partner" in line)
    assert lines.index(held_en) < lines.index(held_bn)


# --- the verify page ---------------------------------------------------------------------------

from edt import sessions  # noqa: E402
from edt.content import name_key  # noqa: E402

from tests.conftest import csrf_token  # noqa: E402


def _check(client, certificate, name):
    url = f"/verify/{certificate.code}"
    return client.post(url, data={"name": name, "csrf_token": csrf_token(client, url)}).get_data(as_text=True)


def test_the_name_check_takes_the_usual_spelling_variants_and_says_only_check_the_spelling(client, world):
    _, _, _, certificates = issued(world, names=("রহিমা খাতুন", "Md. Abdur Rahim", "নুরজাহান বেগম", "আয়শা পাড়ই"))
    rahima, rahim, nurjahan, ayesha = certificates
    assert "The name matches" in _check(client, rahima, "রহীমা খাতুন")       # ী for ি
    assert "The name matches" in _check(client, nurjahan, "নূরজাহান বেগম")    # ূ for ু
    assert "The name matches" in _check(client, ayesha, "আয\u09bcশা পাড\u09bcই")  # য+় and ড+় for য় and ড়
    assert "The name matches" in _check(client, rahim, "  md abdur   RAHIM")  # case, dot, spaces
    page = _check(client, rahim, "Md Abdul Rahim")
    miss = re.search(r'<p[^>]*id="name-result"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert miss == "✗ The name does not match. Check the spelling as printed on the certificate."  # which part: never said
    assert "Abdur" not in page


def test_the_normaliser_is_one_function_shared_with_search():
    from edt.content import search_key
    assert name_key("রহীমা") == name_key("রহিমা") == search_key("রহিমা")
    assert name_key("Md.  Rahim-Uddin") == name_key("md rahim uddin") == "md rahim uddin"
    assert name_key("ভূমি") == name_key("ভুমি") and name_key(None) == ""


def test_the_verify_page_follows_the_visitors_language(app, world):
    _, _, _, certificates = issued(world, names=("Rahela Begum",))
    certificate = certificates[0]
    english = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert english.index(pdf.TRAINING) < english.index(pdf.TRAINING_BN)
    assert pdf.long_date(certificate.training_start) in english
    bangla_phone = app.test_client()
    bangla_phone.set_cookie(sessions.LANGUAGE_COOKIE, "bn")
    bangla = bangla_phone.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert bangla.index(pdf.TRAINING_BN) < bangla.index(pdf.TRAINING)
    assert bangla.index(pdf.long_date(certificate.training_start, "bn")) < bangla.index(
        pdf.long_date(certificate.training_start))
    assert bengali_digits(certificate.training_start.year) in bangla
