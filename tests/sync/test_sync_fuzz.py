"""Hostile JSON for the sync endpoint (the form fuzz in tests/core/test_fuzz_forms.py posts forms,
which the endpoint refuses before reading): whatever the items hold, never a 500; every item gets
one answer; a refused item comes with a reason; and only applied items write anything (every table
compared, but the audit log and the credential's last use)."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edt.backup import fingerprint
from edt.modules.sync.services import HEADER

from tests.conftest import csrf_token
from tests.core.test_fuzz_forms import MARKUP, TEXT
from tests.factories import batch_world, canvas_world, followup_world

QUIET = ("audit_event", "throttle_counter", "sync_device")
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63), TEXT,
                   st.floats(allow_nan=True), st.sampled_from(MARKUP))
JSONISH = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)
KINDS = st.one_of(st.sampled_from(["attendance", "followup", "canvas_note"]), TEXT, SCALAR)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_items_never_break_the_endpoint_and_refusals_write_nothing(client, login, world, data):
    ids = {**batch_world(world), **canvas_world(world), **followup_world(world)}
    login(world.facilitator)
    token = client.post("/sync/device", headers={"X-CSRFToken": csrf_token(client, "/")}).get_json()["token"]
    enrolment = ids["enrolment_id"]
    targets = st.one_of(
        st.fixed_dictionaries({"day_id": st.sampled_from([ids["day_id"], ids["day3_id"], 0, -1, 2**40])}),
        st.fixed_dictionaries({"participant_id": st.sampled_from([world.participant.id, ids["fu_participant_id"]]),
                               "block": st.one_of(st.sampled_from(["channels", "nope"]), TEXT)}),
        st.fixed_dictionaries({"participant_id": st.just(ids["fu_participant_id"]),
                               "batch_id": st.just(ids["fu_batch_id"]), "stage": st.one_of(st.just("m1"), TEXT)}),
        JSONISH)
    fields = st.one_of(
        st.fixed_dictionaries({"row": st.just(str(enrolment)), f"s-{enrolment}": st.one_of(
            st.sampled_from(["present", "late", "absent", ""]), TEXT), f"n-{enrolment}": TEXT,
            f"ws-{enrolment}": st.one_of(st.just(""), TEXT)}),
        st.fixed_dictionaries({"text": TEXT}),
        st.dictionaries(TEXT, st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=4),
        JSONISH)
    item = st.one_of(st.fixed_dictionaries({
        "key": st.one_of(st.text(alphabet="abcdef0123456789", min_size=8, max_size=12), TEXT, SCALAR),
        "kind": KINDS, "target": targets, "base": SCALAR, "fields": fields}), JSONISH)
    items = data.draw(st.lists(item, max_size=4))
    before = fingerprint()
    response = client.post("/sync/", data=json.dumps({"items": items}), content_type="application/json",
                           headers={HEADER: token})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    outcomes = response.get_json()["results"]
    assert len(outcomes) == len(items)
    assert {o["status"] for o in outcomes} <= {"applied", "already", "refused", "conflict"}
    assert all(o.get("reason") for o in outcomes if o["status"] == "refused")
    if not any(o["status"] == "applied" for o in outcomes):
        after = fingerprint()
        changed = [t for t in before if t not in QUIET and before[t] != after.get(t)]
        assert changed == [], (changed, items, outcomes)
