"""One table lists every route with the status each kind of user gets. A route missing from the
table fails the suite, so every new page must state who may use it.

Columns: anonymous, participant (of the Khulna partner), facilitator (Khulna), other_facilitator
(Jashore: must not reach anything of Khulna's), master_trainer. URLs name Khulna's objects."""
import pytest

from .conftest import csrf_token

ROLES = ("anon", "participant", "facilitator", "other_facilitator", "master_trainer")
R = 302  # redirect (to the login page for anonymous users, elsewhere after a successful POST)


def row(method, url, anon, participant, facilitator, other_facilitator, master_trainer, data=None):
    return {"method": method, "url": url, "data": data or {},
            "expect": dict(zip(ROLES, (anon, participant, facilitator, other_facilitator, master_trainer)))}


MATRIX = {
    # site
    "site.home": row("GET", "/", 200, 200, 200, 200, 200),
    "site.healthz": row("GET", "/healthz", 200, 200, 200, 200, 200),
    # accounts
    "accounts.login": row("GET", "/accounts/login", 200, R, R, R, R),
    "accounts.participant_login": row("GET", "/accounts/login/participant", 200, R, R, R, R),
    "accounts.logout": row("POST", "/accounts/logout", R, R, R, R, R),
    "accounts.password": row("GET", "/accounts/password", R, 200, 200, 200, 200),
    "accounts.language": row("POST", "/accounts/language", R, R, R, R, R, data={"locale": "bn"}),
    "accounts.users": row("GET", "/accounts/users", R, 403, 403, 403, 200),
    "accounts.create_user": row("GET", "/accounts/users/new", R, 403, 403, 403, 200),
    "accounts.edit_user": row("GET", "/accounts/users/{facilitator_id}/edit", R, 403, 403, 403, 200),
    "accounts.set_user_enabled": row("POST", "/accounts/users/{facilitator_id}/enabled/0", R, 403, 403, 403, R),
    "accounts.reset_password": row("POST", "/accounts/users/{facilitator_id}/password", R, 403, 403, 403, R,
                                   data={"password": "a fresh long password"}),
    "accounts.partners": row("GET", "/accounts/partners", R, 403, 403, 403, 200),
    "accounts.create_partner": row("GET", "/accounts/partners/new", R, 403, 403, 403, 200),
    "accounts.edit_partner": row("GET", "/accounts/partners/{khulna_id}/edit", R, 403, 403, 403, 200),
    # curriculum and guide
    "curriculum.index": row("GET", "/curriculum/", R, 200, 200, 200, 200),
    "curriculum.day": row("GET", "/curriculum/day/1", R, 200, 200, 200, 200),
    "curriculum.print_day": row("GET", "/curriculum/day/1/print", R, 200, 200, 200, 200),
    "curriculum.search": row("GET", "/curriculum/search?q=price", R, 200, 200, 200, 200),
    "curriculum.guide_index": row("GET", "/guide/", R, 403, 200, 200, 200),
    "curriculum.guide": row("GET", "/guide/purpose-and-use", R, 403, 200, 200, 200),
    "curriculum.print_guide": row("GET", "/guide/print", R, 403, 200, 200, 200),
    # participants
    "participants.index": row("GET", "/participants/", R, 403, 200, 200, 200),
    "participants.set_pin": row("GET", "/participants/{participant_id}/pin", R, 403, 200, 404, 200),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert not missing, f"routes missing from the access matrix: {missing}"
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


def ids(world) -> dict:
    return {"facilitator_id": world.facilitator.id, "khulna_id": world.khulna.id,
            "participant_id": world.participant.id, "participant_code": world.participant.code,
            **getattr(world, "extra_ids", {})}


def user_for(world, role):
    return {"anon": None, "participant": world.participant.user, "facilitator": world.facilitator,
            "other_facilitator": world.other_facilitator, "master_trainer": world.trainer}[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, client, login, world):
    entry = MATRIX[endpoint]
    login(user_for(world, role))
    url = entry["url"].format(**ids(world))
    if entry["method"] == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={**entry["data"], "csrf_token": csrf_token(client, "/")})
    expected = entry["expect"][role]
    assert response.status_code == expected, f"{role} {entry['method']} {url}: {response.status_code} != {expected}"
    if role == "anon" and expected == R and entry["method"] == "GET":
        assert response.headers["Location"].startswith("/accounts/login")
