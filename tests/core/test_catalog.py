"""Every word a participant can read is translated: every string in the code and the templates
(templates/_macros included) is extracted and has its Bangla, the templates carry no visible
English outside `_()`, and WTForms' own messages ("This field is required.") read in Bangla."""
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from edt import sessions

from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]
BN_PO = ROOT / "edt" / "translations" / "bn" / "LC_MESSAGES" / "messages.po"


def _extract(tmp_path) -> list:
    """The strings `make catalog` extracts today (the same command and options)."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "--ignore-dirs=.*", "--no-location", "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def test_every_extracted_string_has_its_bangla(tmp_path):
    extracted = _extract(tmp_path)
    with BN_PO.open("rb") as f:
        bangla = read_po(f)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted}
    assert "Page %(page)s of %(pages)s" in ids and "Previous" in ids  # templates/_macros/ is extracted
    assert "This field is required." in ids  # WTForms' own messages, through our catalog
    missing = []
    for message in extracted:
        found = bangla.get(message.id)
        strings = found.string if found else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if found is None or not all(strings):
            missing.append(message.id)
    assert not missing, f"{len(missing)} strings without Bangla (run `make catalog` and fill them): {missing[:20]}"


def test_every_bangla_translation_keeps_the_placeholders():
    with BN_PO.open("rb") as f:
        catalog = read_po(f)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        names = lambda text: sorted(set(re.findall(r"%\((\w+)\)[sd]", text)))  # noqa: E731
        if names(source) != names(target):
            wrong.append(source)
    assert not wrong, wrong[:20]


# --- visible English in templates ------------------------------------------------------------------

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# Blocks that hold no visible text: a class name for <body>, <meta> tags, scripts.
HIDDEN_BLOCKS = re.compile(r"\{%-?\s*block\s+(body_class|meta|scripts)\s*-?%\}.*?\{%-?\s*endblock", re.S)
VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Words that are the same in both languages: the programme's name, formats and codes' letters.
ALLOWED_WORDS = {"EDT", "PDF", "PIN", "QR", "CSV", "XLSX"}
# Whole phrases that must stay as they are: a language's own name on the language switch, and the
# licence notice of the Business Model Canvas (its terms ask for the notice as written).
ALLOWED_PHRASES = ("English", "CC BY-SA 3.0",
                   "Business Model Canvas by Strategyzer AG (strategyzer.com), licensed under CC BY-SA 3.0.")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden, self.english = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if not self.hidden:
            self._check(data)

    def _check(self, text):
        text = text.strip()
        if text in ALLOWED_PHRASES:
            return
        words = [w for w in LATIN_WORD.findall(text) if w not in ALLOWED_WORDS]
        if words:
            self.english.append(text[:80])


def english_outside_gettext(source: str) -> list[str]:
    """The visible text of a template that is written in Latin letters outside `{{ _(...) }}`."""
    parser = _VisibleText()
    parser.feed(JINJA.sub(" ", HIDDEN_BLOCKS.sub(" ", source)))
    parser.close()
    return parser.english


def test_the_check_finds_english_text_and_attributes_but_not_translated_or_hidden_parts():
    assert english_outside_gettext("<p>Save your plan</p>") == ["Save your plan"]
    assert english_outside_gettext('<input placeholder="Your code">') == ["Your code"]
    assert english_outside_gettext("<p>{{ _('Save your plan') }} · {{ code }} EDT</p>") == []
    assert english_outside_gettext("{% block body_class %}large{% endblock %}<script>var a;</script>") == []
    assert english_outside_gettext('<a href="/x" class="button">{{ _("Go") }}</a>') == []


def test_no_template_shows_english_outside_gettext():
    found = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        english = english_outside_gettext(path.read_text(encoding="utf-8"))
        if english:
            found[str(path.relative_to(ROOT))] = english
    assert not found, found


# --- WTForms' built-in messages --------------------------------------------------------------------

def test_wtforms_own_messages_read_in_bangla(app):
    phone = app.test_client()
    phone.delete_cookie(sessions.LANGUAGE_COOKIE)  # the participant login page is in Bangla by default
    url = "/accounts/login/participant"
    page = phone.post(url, data={"code": "", "pin": "", "csrf_token": csrf_token(phone, url)}).get_data(as_text=True)
    assert "This field is required." not in page
    assert "এই ঘরটি পূরণ করুন।" in page
    english = app.test_client()  # a phone left in English
    page = english.post(url, data={"code": "", "pin": "", "csrf_token": csrf_token(english, url)})
    assert "This field is required." in page.get_data(as_text=True)
