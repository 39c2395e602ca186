"""The cast and the glossary against the days, in English and in Bangla.

- One cast, one business each: every day file (English `.md` and Bangla `.bn.md`) that names a cast
  member shows that person with their own business, and never with another member's business.
- The glossary spells each term as the days do: when a day's English text uses a glossary term, the
  same day's Bangla text uses the glossary's Bangla for it.

The files are read as text, so these checks hold whatever engine serves them.
"""
import re

import pytest
import yaml

from edt.config import ROOT

CURRICULUM = ROOT / "curriculum"
GUIDE = ROOT / "facilitator_guide"
BN_LETTER = "\u0980-\u09FF"
FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)

# name -> (English names, Bangla names, own keywords EN, own keywords BN, exclusive EN, exclusive BN).
# English words match whole, with a plural ending; Bangla words match inside longer words, as Bangla
# adds case endings ("ছাগলের"). "Own" keywords show the person's business (at least one must stand next to the name somewhere in
# each file that names them). "Exclusive" keywords belong to that business only: one of them next to
# another member's name alone is a mix-up ("Momena's goats").
CAST = {
    "Shirin": (["Shirin"], ["শিরিন"],
               ["tailor", "tailoring", "sew", "sews", "sewing", "set", "salwar", "kameez", "uniform", "cloth"],
               ["সেলাই", "সেট", "সালোয়ার", "কামিজ", "স্কুলড্রেস", "দর্জি", "কাপড়"],
               ["tailor", "tailoring", "salwar", "kameez", "uniform"], ["সালোয়ার", "কামিজ", "স্কুলড্রেস", "দর্জি"]),
    "Momena": (["Momena"], ["মোমেনা"],
               ["chicken", "chick", "Sonali", "poultry", "bird", "shed", "batch"],
               ["মুরগি", "সোনালি", "বাচ্চা", "ঘর", "দফা"],
               ["chicken", "chick", "Sonali", "poultry"], ["মুরগি", "সোনালি"]),
    "Jahanara": (["Jahanara"], ["জাহানারা"],
                 ["tea", "cup", "stall", "bus stand", "driver"],
                 ["চা", "কাপ", "বাসস্ট্যান্ড", "ড্রাইভার"],
                 ["tea", "bus stand"], ["চায়ের", "দুধ চা", "বাসস্ট্যান্ড"]),
    "Taslima": (["Taslima"], ["তাসলিমা"],
                ["goat", "doe", "Black Bengal"], ["ছাগল", "খাসি", "পাঁঠা"],
                ["goat", "Black Bengal"], ["ছাগল", "খাসি", "পাঁঠা"]),
    "Rafiq": (["Rafiq"], ["রফিক"],
              ["grocery", "shop", "stock", "rice", "baki"], ["মুদি", "দোকান", "মাল", "চাল", "বাকি"],
              ["grocery"], ["মুদি"]),
    "Parul": (["Parul"], ["পারুল"],
              ["kantha", "jute", "cushion", "cover"], ["নকশিকাঁথা", "কাঁথা", "পাট", "কুশন", "কভার"],
              ["kantha", "jute", "cushion"], ["নকশিকাঁথা", "কাঁথা", "পাটের", "কুশন"]),
}
# Names of the first edition's examples: no day may bring them back.
RETIRED = ["Kulsum", "Lovely", "Rina", "Rehana", "Anwar", "কুলসুম", "লাভলী", "রিনা", "রেহানা", "আনোয়ার"]


def _day_files():
    pairs = []
    for english in sorted(CURRICULUM.glob("day-*.md")):
        if english.name.endswith(".bn.md"):
            continue
        bangla = english.with_name(english.name[:-3] + ".bn.md")
        pairs.append((english, bangla if bangla.exists() else None))
    return pairs


def _text(path):
    """The words a participant reads: title, summary, objectives, session titles and the body, without
    link targets, heading ids and worked-example data."""
    meta, body = FRONT.match(path.read_text(encoding="utf-8")).groups()
    meta = yaml.safe_load(meta)
    sessions = [s["title"] if isinstance(s, dict) else s for s in meta.get("sessions", [])]
    head = "\n\n".join([meta.get("title", ""), meta.get("summary", "")] + list(meta.get("objectives", []))
                       + sessions)
    body = re.sub(r"\]\([^)]*\)", "]", body)          # [text](/curriculum/day/5#anchor) -> [text]
    body = re.sub(r"\{#[^}]*\}|\{ #[^}]* \}", "", body)  # heading ids
    return head + "\n\n" + body


def _flat(text):
    return re.sub(r"\s+", " ", text)


def _units(text):
    """Paragraphs, list items and table rows: the places where a name and a business stand together."""
    units = []
    for block in re.split(r"\n\s*\n", text):
        current = []
        for line in block.splitlines():
            stripped = line.strip()
            if stripped.startswith("|") or re.match(r"(- |\d+\. |> )", stripped):
                if current:
                    units.append(" ".join(current))
                current = [stripped]
            else:
                current.append(stripped)
        if current:
            units.append(" ".join(current))
    return units


def _has(word, text, bangla):
    if bangla:
        return word in text
    return re.search(rf"(?<![A-Za-z]){re.escape(word)}(?:s|es)?(?![A-Za-z])", text, re.I) is not None


def _named(unit, bangla):
    return {person for person, spec in CAST.items()
            if any(_has(name, unit, bangla) for name in spec[1 if bangla else 0])}


def cast_problems(path, bangla):
    """Mix-ups in one day file: a sentence that names one cast member with another member's business,
    or a cast member who is never, in any paragraph, list item or table row, with their own business."""
    problems, seen, shown = [], set(), set()
    for unit in _units(_text(path)):
        named = _named(unit, bangla)
        seen |= named
        for person in named:
            own = CAST[person][3 if bangla else 2]
            if any(_has(word, unit, bangla) for word in own):
                shown.add(person)
        for sentence in re.split(r"(?<=[.!?।])\s+", unit):
            alone = _named(sentence, bangla)
            if len(alone) != 1:
                continue
            (person,) = alone
            for other, spec in CAST.items():
                if other != person:
                    clash = [w for w in spec[5 if bangla else 4] if _has(w, sentence, bangla)]
                    if clash:
                        problems.append(f"{path.name}: {person} with {other}'s {clash[0]!r}: {sentence[:80]}")
    for person in sorted(seen - shown):
        problems.append(f"{path.name}: {person} is named but never with their own business")
    return problems


def test_the_cast_in_the_tests_is_the_cast_on_the_cast_page():
    page = (GUIDE / "13-the-cast.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z][a-z]+) [A-Z][a-z]+ \| ([\u0980-\u09FF]+) ", page, re.M)
    assert {(en, bn) for en, bn in rows} == {(p, spec[1][0]) for p, spec in CAST.items()}


def test_every_day_shows_each_cast_member_with_their_one_business_in_english_and_bangla():
    checked = 0
    problems = []
    for english, bangla in _day_files():
        problems += cast_problems(english, bangla=False)
        checked += 1
        if bangla:
            problems += cast_problems(bangla, bangla=True)
            checked += 1
        for path in filter(None, (english, bangla)):
            text = path.read_text(encoding="utf-8")
            problems += [f"{path.name}: names {name}, not one of the cast"
                         for name in RETIRED if re.search(rf"(?<![A-Za-z{BN_LETTER}]){name}", text)]
    assert checked >= 15, checked  # ten English days and at least days 6-10 in Bangla
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("text, bangla, expected", [
    ("Momena keeps Black Bengal goats behind her house.", False, "Momena with Taslima's 'goat'"),
    ("Momena sells Sonali chickens.\n\nTaslima sells goats.", False, None),
    ("মোমেনা আপা ছাগল পালেন।", True, "Momena with Taslima's 'ছাগল'"),
    ("Shirin and Momena buy feed together.\n\nShirin sews salwar kameez.", False,
     "Momena is named but never with their own business"),
])
def test_the_cast_check_catches_a_mix_up(tmp_path, text, bangla, expected):
    path = tmp_path / ("day-01-x.bn.md" if bangla else "day-01-x.md")
    path.write_text(f"---\ntitle: T\nsummary: S\nobjectives: []\nsessions: []\n---\n{text}\n", encoding="utf-8")
    problems = cast_problems(path, bangla)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


# --- the glossary -------------------------------------------------------------------------------

def glossary():
    """(English forms, Bangla forms) per row. English: the term, alternatives after ' / ' and in
    brackets. Bangla: the word the days use, alternatives after ' / '; brackets only explain."""
    rows = []
    for line in (GUIDE / "40-bangla-glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) < 2 or cells[0] in ("English term", "") or set(cells[0]) <= set("-: "):
            continue
        english = [f.strip() for part in re.split(r"\s/\s", cells[0])
                   for f in re.split(r"[()]", part) if f.strip()]
        bangla = [re.sub(r"\s*\(.*?\)", "", f).strip() for f in re.split(r"\s/\s", cells[1])]
        rows.append((english, [b for b in bangla if b]))
    return rows


# English phrases that contain a glossary word without meaning the term ("a lot of customers").
NOT_THE_TERM = {"lot": re.compile(r"\ba lot\b|\blots of\b", re.I),
                "helper": re.compile(r"\b(drivers?|buses?)( and( their| the)?)? helpers?\b", re.I)}


def _english_pattern(term):
    words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", term))
    return re.compile(rf"(?<![A-Za-z]){words}(?:s|es)?(?![A-Za-z])", re.I)


def glossary_problems(english_text, bangla_text, name="day"):
    """Terms the English text uses whose glossary Bangla the Bangla text lacks. A term counts as used
    when it appears on its own, not only inside a longer glossary term ('cash' in 'cash book')."""
    rows = glossary()
    all_terms = sorted({t for forms, _ in rows for t in forms}, key=len, reverse=True)
    problems = []
    for forms, bangla in rows:
        used = False
        for term in forms:
            masked = english_text
            if term.lower() in NOT_THE_TERM:
                masked = NOT_THE_TERM[term.lower()].sub(" ", masked)
            for longer in all_terms:
                if len(longer) > len(term) and _english_pattern(term).search(longer):
                    masked = _english_pattern(longer).sub(" ", masked)
            if _english_pattern(term).search(masked):
                used = True
                break
        if used and not any(b in bangla_text for b in bangla):
            problems.append(f"{name}: uses {forms[0]!r}, Bangla lacks {' / '.join(bangla)}")
    return problems


def test_the_glossary_has_bangla_for_every_term_and_no_term_twice():
    rows = glossary()
    assert len(rows) >= 50
    assert all(bangla and all(re.search(f"[{BN_LETTER}]", b) for b in bangla) for _, bangla in rows)
    firsts = [forms[0].lower() for forms, _ in rows]
    assert len(firsts) == len(set(firsts)), "a term is in the glossary twice"


def test_every_glossary_term_a_day_uses_is_spelt_as_the_glossary_spells_it():
    checked, problems = 0, []
    for english, bangla in _day_files():
        if bangla is None:
            continue
        problems += glossary_problems(_flat(_text(english)), _flat(_text(bangla)), english.stem)
        checked += 1
    assert checked >= 5, checked  # days 6-10 at least
    assert not problems, "\n".join(problems)


def test_the_glossary_check_catches_another_spelling():
    english = "Keep two pots: a cash book and a tin. Profit is not cash."
    assert glossary_problems(english, "দুই কৌটা, হিসাব খাতা। লাভ আর নগদ টাকা এক না।") == []
    problems = glossary_problems(english, "দুই পাত্র, হিসাব খাতা। লাভ আর নগদ টাকা এক না।")
    assert problems == ["day: uses 'Two pots', Bangla lacks দুই কৌটা"]
    # 'cash' inside 'cash book' and 'profit is not cash' is not a use of 'cash' on its own, nor is
    # 'a lot' a use of 'lot'.
    assert glossary_problems("Keep a cash book. You sold a lot.", "হিসাব খাতা রাখুন। অনেক বিক্রি হল।") == []
    assert glossary_problems("One lot is 10 sets.", "দশটা সেট।") == ["day: uses 'Lot', Bangla lacks দফা"]
