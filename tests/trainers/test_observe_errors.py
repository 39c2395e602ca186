"""A refused observation (a long form: eight criteria) puts the focus on the first missing score,
its message named by the radio, so the error is in view without JavaScript."""
import re

from tests.trainers.test_trainers import observation_data, post, tot


def test_a_missing_score_gets_the_focus_and_its_message(client, login, world):
    event_ = tot(world, trainees=[world.facilitator])
    login(world.trainer)
    url = f"/trainers/facilitators/{world.facilitator.id}/observe"
    response = post(client, url, observation_data((4, 4, 4, 4, 4, 4, 4), context=f"tot-{event_.id}"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("autofocus") == 1
    focused = re.search(r"<input[^>]*autofocus[^>]*>", page).group(0)
    assert 'name="score_time_keeping"' in focused and 'aria-describedby="score_time_keeping-err"' in focused
    assert '<p class="error" id="score_time_keeping-err">Choose a score from 1 to 4.</p>' in page
