"""Static files with a content hash in their URL, cached for a year; responses gzipped.

Every `url_for("static", filename=...)` gets `?v=<hash of the file's bytes>`, so a phone on 2G
keeps the stylesheet, script and pictures for a year and fetches them again only when they
change. Text answers over 1 KB (HTML, CSS, JavaScript, SVG, CSV, JSON) are gzipped when the
browser accepts it and no proxy in front has compressed them already: a day page of 16 KB
becomes about 5 KB, which is what a slow connection feels.
"""
import gzip
import hashlib
from pathlib import Path

from flask import request

YEAR = 31_536_000
MIN_SIZE = 1024
UNHASHED = {"site.favicon"}  # static files browsers ask for at a fixed URL
COMPRESSIBLE = ("text/html", "text/css", "text/csv", "text/plain", "application/javascript", "text/javascript",
                "image/svg+xml", "application/json", "application/manifest+json")


def install(app) -> None:
    hashes: dict[str, tuple[float, str]] = {}
    folder = Path(app.static_folder)

    def content_hash(filename: str) -> str | None:
        path = folder / filename
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        known = hashes.get(filename)
        if known is None or known[0] != mtime:
            known = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            hashes[filename] = known
        return known[1]

    @app.url_defaults
    def _versioned_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = content_hash(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_and_compress(response):
        if request.endpoint == "static":
            if request.args.get("v") and request.args.get("v") == content_hash(request.view_args.get("filename", "")):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "public, max-age=86400"
        elif request.endpoint in UNHASHED and response.status_code == 200:  # /favicon.ico: a static file at a fixed URL
            response.headers["Cache-Control"] = "public, max-age=86400"
        return _gzip(response)


def _gzip(response):
    if (response.status_code < 200 or response.status_code >= 300 or "Content-Encoding" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
            or (response.mimetype or "") not in COMPRESSIBLE):
        return response
    response.headers.add("Vary", "Accept-Encoding")
    if response.direct_passthrough:  # a file sent by send_file: read it (static files are small)
        response.direct_passthrough = False
    if response.is_streamed and response.mimetype == "text/csv":
        return response  # exports stream row by row; compressing would hold them in memory
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:  # the compressed bytes are another representation of the same file
        response.set_etag(f"{etag}-gzip", weak=weak)
    return response
