"""Static URLs carry a content hash and are cached for a year; text answers are gzipped."""
import gzip
import re

from flask import url_for



def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(app, client):
    page = client.get("/accounts/login").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/[^"]+\?v=([0-9a-f]{12}))"', page)
    assert stylesheet, "the stylesheet link has no content hash"
    response = client.get(stylesheet.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # A URL without the hash, or with a stale one, is cached for a day only.
    bare = stylesheet.group(1).split("?")[0]
    assert client.get(bare).headers["Cache-Control"] == "public, max-age=86400"
    assert client.get(bare + "?v=000000000000").headers["Cache-Control"] == "public, max-age=86400"


def test_the_hash_is_stable_for_unchanged_bytes(app):
    with app.test_request_context():

        first = url_for("static", filename="css/edt.css")
        assert re.search(r"\?v=[0-9a-f]{12}$", first)
        assert url_for("static", filename="css/edt.css") == first


def test_pages_css_and_svg_over_1_kb_are_gzipped_when_the_browser_accepts_it(app, client, login, world):
    plain = client.get("/accounts/login")
    assert "Content-Encoding" not in plain.headers  # the browser did not ask
    zipped = client.get("/accounts/login", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    token = re.compile(rb'name="csrf_token"[^>]*value="[^"]*"|<meta name="edt-csrf"[^>]*>')  # signed with the time: may differ by a second
    assert token.sub(b"", gzip.decompress(zipped.get_data())) == token.sub(b"", plain.get_data())
    assert zipped.headers["Cache-Control"] == "no-store"  # compression changes nothing about caching
    css = client.get("/static/css/edt.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert len(css.get_data()) < len(client.get("/static/css/edt.css").get_data()) / 2
    # A tiny answer is sent as it is.
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in health.headers
    # A logged-in page too, whole.
    login(world.trainer)
    page = client.get("/participants/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(page.get_data()).rstrip().endswith(b"</html>")
