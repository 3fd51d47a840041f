"""The proposal window and the site URL are settings: validated once, at start."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.config import settings_from
from tests.unit.test_config import DEPLOYED, LOCAL


def test_the_window_is_fourteen_days_and_the_site_local_by_default():
    settings = settings_from(LOCAL)

    assert settings.proposal_window_seconds == 1_209_600
    assert settings.site_url == "http://127.0.0.1:8000/site"
    assert settings_from(DEPLOYED).proposal_window_seconds == 1_209_600


def test_the_local_stage_may_use_a_window_of_seconds():
    assert settings_from({**LOCAL, "REMIXERY_PROPOSAL_WINDOW_SECONDS": "0.5"}).proposal_window_seconds == 0.5


@pytest.mark.parametrize("window", ["0", "-1", "nan", "inf", "soon"])
def test_a_window_that_is_not_positive_is_refused_on_every_stage(window):
    with pytest.raises(ValidationError, match="REMIXERY_PROPOSAL_WINDOW_SECONDS"):
        settings_from({**LOCAL, "REMIXERY_PROPOSAL_WINDOW_SECONDS": window})


def test_deployed_stages_refuse_a_window_under_fourteen_days():
    with pytest.raises(ValidationError, match="at least 1209600"):
        settings_from({**DEPLOYED, "REMIXERY_PROPOSAL_WINDOW_SECONDS": "1209599"})

    assert settings_from({**DEPLOYED, "REMIXERY_PROPOSAL_WINDOW_SECONDS": "2000000"}).proposal_window_seconds == 2e6
