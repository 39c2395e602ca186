"""Issue 13: Bangla search over the real curriculum, through the app. "লাভ", "ঋণ" and "খরচ" find the
sessions that teach them, in the Bangla text of the day; a word written with another spelling (long
or short i/u, য় as one character or as য + nukta, NFD input) finds the same; staff also find the
glossary's Bangla."""
import re
import unicodedata
from urllib.parse import quote

from tests.conftest import csrf_token


def results(client, query: str) -> list[str]:
    html = client.get(f"/curriculum/search?q={quote(query)}").get_data(as_text=True)
    return re.findall(r'<li lang="(?:bn|en)">\s*<a href="([^"]+)"', html)


def bangla_participant(client, login, world):
    login(world.participant.user)
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})


def test_labh_rin_and_khoroch_find_their_sessions_in_the_bangla_days(client, login, world):
    bangla_participant(client, login, world)
    for word, days in (("লাভ", {5, 6}), ("ঋণ", {7}), ("খরচ", {5})):
        found = results(client, word)
        assert found, word
        numbers = {int(re.match(r"/curriculum/day/(\d+)", url).group(1)) for url in found}
        assert days <= numbers, (word, numbers)
        assert all("?lang=bn" in url for url in found), word  # a Bangla word finds the Bangla text
    # the day that teaches loans is found by its session titles (the day's "objectives" section)
    assert "/curriculum/day/7?lang=bn#objectives" in results(client, "ঋণ")


def test_the_other_spelling_of_a_word_finds_the_same_sections(client, login, world):
    bangla_participant(client, login, world)
    for one, other in (("সঞ্চয়", "সঞ্চ\u09af\u09bc"),  # য় as one character, and য + nukta
                       ("বাড়তি", "বা\u09a1\u09bcতি"),   # ড় likewise
                       ("দাম", unicodedata.normalize("NFD", "দাম")),
                       ("তালিকা", "তালীকা"), ("পুঁজি", "পূঁজি")):
        first = results(client, one)
        assert first, one
        assert results(client, other) == first, (one, other)


def test_staff_find_the_glossary_by_its_bangla(client, login, world):
    login(world.facilitator)
    assert "/guide/bangla-glossary#loans-and-finance" in results(client, "ঋণ")
    login(world.participant.user)  # the guide is for staff: a participant's search leaves it out
    assert not [url for url in results(client, "ঋণ") if url.startswith("/guide/")]
