"""The page budget, one rule for every test: a page on a 2G phone is <= 60 KB and <= 6 requests,
counted as the bytes that travel (gzipped by edt.assets, as every browser asks) for the page and
every same-origin file its HTML makes the browser fetch: stylesheets, scripts, icons, the manifest
and pictures."""
import gzip
import re

BUDGET_BYTES = 60 * 1024
BUDGET_REQUESTS = 6
GZIP = {"Accept-Encoding": "gzip"}
FETCHED_LINKS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest", "preload", "modulepreload"}
_TAG = re.compile(r"<(link|script|img)\b([^>]*)>", re.I)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def subresources(html: str) -> list[str]:
    """Same-origin URLs the browser fetches for this HTML, each once, in page order."""
    found = []
    for tag, attrs in _TAG.findall(html):
        attrs = dict((k.lower(), v) for k, v in _ATTR.findall(attrs))
        if tag.lower() == "link":
            if not FETCHED_LINKS & set(attrs.get("rel", "").lower().split()):
                continue
            url = attrs.get("href", "")
        else:
            url = attrs.get("src", "")
        if url.startswith("/") and not url.startswith("//") and url not in found:
            found.append(url)
    return found


def weigh(client, url):
    """(status, transferred bytes, requests) of a page with its subresources, through the Flask test
    client with Accept-Encoding: gzip. Downloads (PDF, CSV, ZIP, XLSX) are files, not pages, and are
    reported as (None, 0, 0)."""
    response = client.get(url, headers=GZIP)
    if response.status_code == 200 and response.mimetype != "text/html":
        return None, 0, 0
    sent = response.get_data()
    plain = gzip.decompress(sent) if response.headers.get("Content-Encoding") == "gzip" else sent
    total, requests = len(sent), 1
    for asset in subresources(plain.decode("utf-8")):
        data = client.get(asset, headers=GZIP)
        assert data.status_code == 200, asset
        total += len(data.get_data())
        requests += 1
    return response.status_code, total, requests
