"""Print views print cleanly on A4 (Chromium's own print-to-PDF, parsed back with pypdf)."""
import io

from pypdf import PdfReader

from ..factories import PASSWORD
from .conftest import staff_login


def _print(page, url):
    page.goto(url)
    page.emulate_media(media="print")
    return PdfReader(io.BytesIO(page.pdf(format="A4", print_background=False)))


def test_whole_day_and_whole_guide_print_on_a4_without_navigation(server, phone, world, tmp_path):
    staff_login(phone, server, "fac", PASSWORD)
    day = _print(phone, f"{server}/curriculum/day/5/print")
    width, height = (float(v) for v in day.pages[0].mediabox[2:])
    assert abs(width - 595) < 2 and abs(height - 842) < 2
    text = "\n".join(p.extract_text() for p in day.pages)
    assert "Costing and pricing" in text and "Take home" in text
    assert "Log out" not in text and "Print this day" not in text
    assert 3 <= len(day.pages) <= 40
    guide = _print(phone, f"{server}/guide/print")
    text = "\n".join(p.extract_text() for p in guide.pages[:3])
    assert "Log out" not in text
    assert len(guide.pages) > 30


def test_a_day_prints_in_bangla_on_a4_with_the_take_home_box_first(server, phone, world):
    staff_login(phone, server, "fac", PASSWORD)
    day = _print(phone, f"{server}/curriculum/day/5/print?lang=bn")
    width, height = (float(v) for v in day.pages[0].mediabox[2:])
    assert abs(width - 595) < 2 and abs(height - 842) < 2
    assert 3 <= len(day.pages) <= 40
    first = day.pages[0].extract_text()
    assert sum(1 for c in first if "\u0980" <= c <= "\u09ff") > 200  # the Bangla text, not the English
    assert "Costing and pricing" not in first and "Log out" not in first
    assert phone.evaluate("document.documentElement.lang") == "bn"
    order = phone.evaluate("""() => ['.takehome-top', '#objectives', '#fixed-variable']
        .map(s => document.querySelector(s).getBoundingClientRect().top)""")
    assert order == sorted(order)
