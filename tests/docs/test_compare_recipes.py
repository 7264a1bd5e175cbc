"""docs/compare.md's targets block, its scoring-URL and v1-service lines replayed verbatim on a fresh folder;
the agreement line and the compare run directory's listings (docs/compare.md, docs/architecture.md) held
to what those compares print and write. The v2 and header-routing lines: test_compare_deployments.py.

Placeholders filled: the keys (`SCOREBENCH_KEY=...`: the test key; the candidate's its own) and the two
scoring URLs (`https://HOST/.../churn-v7/score`, `.../churn-v8/score`: two local stand-ins); `config.json`
is the Azure ML stand-in's workspace (tests/azureml/azureml_standin.py), whose services `churn-v7` and
`churn-v8` score at the same two stand-ins. No line has a length, so each loads until decided;
SCOREBENCH_MAX_DURATION caps each at a few seconds (two identical deployments take ~40 s to decide):
PASS or INCONCLUSIVE (exit 0 or 3) is what so short a run may honestly say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.azureml.azureml_standin import AzureMLStandIn, aks_service, arm
from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, command_lines, fill, transcript_problems
from tests.docs.compare_replay import CANDIDATE_KEY, compare_env, listing_problems, recipe_folder, replay_compare

__all__ = ["arm"]
pytestmark = pytest.mark.slow

TARGETS = claim("docs/compare.md", "SCOREBENCH_KEY=... SCOREBENCH_CANDIDATE_KEY=... \\", "replayed")
AGREEMENT = claim("docs/compare.md", "PASS agreement: 100.00% of 300 distinct payloads", "transcript")
COMPARE_DIR = claim("docs/compare.md", "runs/<UTC>-compare/", "listing")
ARCHITECTURE_COMPARE_DIR = claim("docs/architecture.md", "runs/<UTC>-compare/", "listing")


def test_two_scoring_urls_and_two_v1_services(
    arm: AzureMLStandIn, standin: Any, standin_factory: Any, tmp_path: Path
) -> None:
    candidate = standin_factory(key=CANDIDATE_KEY)
    for name, served_by, key in (("churn-v7", standin, TEST_KEY), ("churn-v8", candidate, CANDIDATE_KEY)):
        arm.services[name] = aks_service(name, arm.base_url, scoringUri=served_by.score_url)
        arm.keys[name] = key
    folder = recipe_folder(tmp_path)
    env = compare_env(arm, tmp_path)
    places = {
        "SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}",
        "SCOREBENCH_CANDIDATE_KEY=...": f"SCOREBENCH_CANDIDATE_KEY={CANDIDATE_KEY}",
        "https://HOST/api/v1/service/churn-v7/score": standin.score_url,
        "https://HOST/api/v1/service/churn-v8/score": candidate.score_url,
    }
    urls, _, v1, _ = command_lines(TARGETS.body)
    assert "--workspace-config config.json" in v1

    by_url = replay_compare(fill(TARGETS, urls, places), folder, env)
    assert by_url.side("current")["endpoint"] == standin.score_url
    assert by_url.side("candidate")["endpoint"] == candidate.score_url
    assert by_url.side("current")["load_profile"]["concurrency"] == 4

    by_name = replay_compare(v1, folder, env)  # each service's scoring URI and key from the workspace
    services = [by_name.side(side)["service"]["service_id"] for side in ("current", "candidate")]
    assert [str(s).rsplit("/", 1)[-1] for s in services] == ["churn-v7", "churn-v8"]
    assert by_name.side("candidate")["endpoint"] == candidate.score_url

    shown = [line for line in AGREEMENT.body.splitlines() if line.strip()]
    for replayed in (by_url, by_name):  # the agreement line is shaped as each real compare prints its own
        assert transcript_problems(shown, replayed.printed) == [], replayed.printed
        assert listing_problems(replayed.run_dir, COMPARE_DIR, ARCHITECTURE_COMPARE_DIR) == []
