"""The favicon: /favicon.ico answers (browsers ask for it on a first visit), and every page links
the SVG icon, once, with a content-hashed URL cached for a year (one request within the page budget)."""
import re


def test_favicon_ico_answers_and_is_cached_a_day(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert len(response.data) < 2048
    assert response.headers["Cache-Control"] == "public, max-age=86400"


def test_pages_link_the_svg_icon_with_a_hashed_url(client, login, world):
    for user in (None, world.participant.user, world.facilitator):
        login(user)
        page = client.get("/").get_data(as_text=True)
        svg = re.search(r'<link rel="icon" href="(/static/img/favicon\.svg\?v=[0-9a-f]{12})" type="image/svg\+xml">', page)
        assert svg and page.count('rel="icon"') == 1
        response = client.get(svg.group(1))
        assert response.status_code == 200 and len(response.data) < 2048
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(svg.group(1)).mimetype == "image/svg+xml"
