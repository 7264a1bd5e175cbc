"""scorebench/runinfo.py: tool versions, the git commit, the load profile recorded in run.json."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scorebench.core.runinfo import PROFILE_FIELDS, git_commit, load_profile, tool_versions
from scorebench.core.version import __version__
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from tests.conftest import TEST_KEY


def test_tool_versions_without_importing_locust() -> None:
    versions = tool_versions()
    assert versions["scorebench"] == __version__
    assert versions["python"].count(".") == 2
    assert "locust" in versions
    assert "azureml-inference-server-http" in versions


def test_git_commit_clean_dirty_and_outside(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("1")
    subprocess.run([*git, "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert git_commit(tmp_path) == head
    (tmp_path / "f").write_text("2")
    assert git_commit(tmp_path) == head + "+dirty"


def test_load_profile_never_holds_url_key_or_headers() -> None:
    plan = LoadPlan(
        url="https://h/score?code=secret", payloads=load_payloads(DEFAULT_PAYLOADS), key=TEST_KEY,
        headers={"azureml-model-deployment": "blue"}, duration_s=30.0, concurrency=4,
    )  # fmt: skip
    profile = load_profile(plan, "ab")
    assert profile == {"duration_s": 30.0, "requests": None, "concurrency": 4, "rate_rps": None, "timeout_s": 60.0}
    assert set(load_profile(plan, "locust")) == set(PROFILE_FIELDS["locust"])
    assert "concurrency" not in load_profile(plan, "locust")
    assert TEST_KEY not in repr(profile)
    assert "secret" not in repr(profile)
