"""A refused key stops the run at preflight: exit 2 naming authentication, no load sent (issue 8 §2)."""

from __future__ import annotations

from tests.conftest import TEST_KEY
from tests.faults.conftest import run_scorebench


def test_wrong_key_sends_no_load(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY)
    outputs.folders.append(standin.data_dir)
    result = run_scorebench(
        outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--requests", "50", key="wrong-" + TEST_KEY[6:]
    )
    assert result.code == 2
    line = result.error_line()
    assert "401" in line
    assert "key" in line.lower()
    scoring_calls = [line for line in standin.log_path.read_text().splitlines() if '"POST /score' in line]
    assert len(scoring_calls) == 1  # the one warm-up request, refused; no load followed
    if result.run_dir is not None:
        assert not list(result.run_dir.glob("samples*.csv")) or all(
            len(p.read_text().splitlines()) <= 1 for p in result.run_dir.glob("samples*.csv")
        )
