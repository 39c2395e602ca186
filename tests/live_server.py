"""The app served over real HTTP on a local port (werkzeug's threaded server), and a tiny
cookie-keeping HTTP client that does not follow redirects: for the concurrency and log tests,
which need real requests in real threads and the server's own request log."""
import http.client
import re
import threading
import urllib.parse
from contextlib import contextmanager
from http.cookies import SimpleCookie

from werkzeug.serving import make_server

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@contextmanager
def serving(app):
    """Serve `app` on 127.0.0.1 in a background thread; yields the port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(10)


class Response:
    def __init__(self, status, headers, body: bytes):
        self.status_code, self.headers, self.data = status, headers, body

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One person's browser: keeps its cookies, sends forms, never follows redirects."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, data=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            payload = raw.read()
            for header in raw.headers.get_all("Set-Cookie") or []:
                self.cookies.load(header)
            return Response(raw.status, raw.headers, payload)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data) -> Response:
        return self.request("POST", path, data)

    def csrf(self, path: str = "/accounts/login") -> str:
        match = CSRF_RE.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str, secret: str, *, participant: bool = False) -> Response:
        url = "/accounts/login/participant" if participant else "/accounts/login"
        fields = {"code": username, "pin": secret} if participant else {"username": username, "password": secret}
        response = self.post(url, {**fields, "csrf_token": self.csrf(url)})
        assert response.status_code == 302, response.text[:300]
        return response
