"""Production refuses to start without EDT_PUBLIC_URL: certificates' QR codes carry it."""
import pytest

from edt import create_app
from edt.config import ProductionConfig

from tests.core.test_privacy_headers import TMP, database_url


def production(**overrides):
    return type("ProductionForTests", (ProductionConfig,), {
        "SECRET_KEY": "a-long-random-production-key-" + "7f3a9c" * 8,
        "SQLALCHEMY_DATABASE_URI": database_url(), "INSTANCE_PATH": TMP / "instance", **overrides})


@pytest.mark.parametrize("url", ["", "http://127.0.0.1:5000", "http://localhost", "edt.example.org"])
def test_production_without_a_real_public_url_refuses_to_start(url):
    with pytest.raises(RuntimeError, match="EDT_PUBLIC_URL must be set in production"):
        create_app(production(PUBLIC_URL=url))


def test_production_with_a_public_url_starts_and_the_certificates_use_it():
    app = create_app(production(PUBLIC_URL="https://edt.example.org"))
    assert app.config["PUBLIC_URL"] == "https://edt.example.org"


def test_the_small_count_threshold_is_configuration(monkeypatch):
    with pytest.raises(RuntimeError, match="EDT_SMALL_COUNT"):
        create_app(production(PUBLIC_URL="https://edt.example.org", SMALL_CELL_THRESHOLD=1))
    assert create_app(production(PUBLIC_URL="https://edt.example.org",
                                 SMALL_CELL_THRESHOLD=11)).config["SMALL_CELL_THRESHOLD"] == 11
