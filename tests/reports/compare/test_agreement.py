"""reports/compare/agreement.py on tiny hand-checked answers: which payloads agree, and the three-way check."""

from __future__ import annotations

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.records import Answer
from scorebench.reports.compare import agreement


def _answers(rows: list[tuple[str, str, str]]) -> list[Answer]:
    return [Answer(side, payload, digest, f"answer {digest}") for side, payload, digest in rows]


def _alike(agreeing: int, differing: int = 0) -> agreement.Agreement:
    """`agreeing` payloads both sides answered the same, `differing` answered otherwise."""
    rows = [(side, f"p{i}", "yes") for i in range(agreeing) for side in ("current", "candidate")]
    rows += [(side, f"q{i}", side) for i in range(differing) for side in ("current", "candidate")]
    ids = [f"p{i}" for i in range(agreeing)] + [f"q{i}" for i in range(differing)]
    return agreement.agreement(_answers(rows), ids)


def test_agreement_counts_payloads_answered_alike_by_both_sides() -> None:
    answers = _answers([
        ("current", "a", "1"), ("candidate", "a", "1"),  # alike
        ("current", "b", "2"), ("candidate", "b", "3"),  # differ
        ("current", "c", "4"),                           # the candidate never answered c
        ("current", "d", "5"), ("candidate", "d", "5"),  # alike
        ("current", "e", "6"), ("current", "e", "7"), ("candidate", "e", "6"),  # current unstable: differ
    ])  # fmt: skip
    found = agreement.agreement(answers, ["a", "b", "c", "d", "e", "a"])
    assert (found.payloads, found.compared, found.agreeing) == (5, 4, 2)
    assert found.share == 0.5
    assert found.answered == {"current": 5, "candidate": 4}
    assert found.disagreements == [
        {"payload_id": "b", "current": "answer 2", "candidate": "answer 3"},
        {"payload_id": "e", "current": "answer 6", "candidate": "answer 6"},
    ]
    assert (found.unanswered, found.unanswered_count) == (["c"], 1)


def test_all_of_100_distinct_payloads_alike_pass_95_percent() -> None:
    check = agreement.agreement_check(_alike(100), 0.95)
    # Clopper-Pearson: 100 of 100 → lower end 0.025 ** (1/100) = 96.38 %, above 95 %
    assert (check.status, check.value, check.low, check.high, check.limit) == ("PASS", 100.0, 96.3783, 100.0, 95.0)
    assert check.line == (
        "PASS agreement: 100.00% of 100 distinct payloads answered alike "
        "(0 differ; 95% CI 96.38%..100.00%, limit >= 95%)"
    )


def test_80_of_100_alike_fail_95_percent() -> None:
    check = agreement.agreement_check(_alike(80, differing=20), 0.95)
    assert (check.status, check.value) == ("FAIL", 80.0)
    assert check.high is not None
    assert check.high < 95.0  # the whole interval (70.8 %..87.3 %) is below the limit
    assert check.line.startswith("FAIL agreement: 80.00% of 100 distinct payloads answered alike (20 differ; 95% CI")


def test_one_payload_cannot_decide_and_says_how_many_would() -> None:
    check = agreement.agreement_check(_alike(1), 0.95)
    assert (check.status, check.low, check.high) == ("INCONCLUSIVE", 2.5, 100.0)  # 1 of 1: 2.5 %..100 %
    # all alike, the lower end 0.025 ** (1/n) reaches 95 % at n = 72 (71 gives 94.94 %)
    assert check.line.endswith("; about 72 distinct payloads answered by both would likely decide it")
    assert agreement.payloads_to_decide(1, 1, 0.95) == 72


def test_a_candidate_without_a_single_prediction_fails() -> None:
    only_current = agreement.agreement(_answers([("current", "a", "1"), ("current", "b", "2")]), ["a", "b"])
    check = agreement.agreement_check(only_current, 0.95)
    assert check.status == "FAIL"
    assert check.line == (
        "FAIL agreement: the candidate answered none of 2 distinct payloads with a prediction (limit >= 95%)"
    )
    only_candidate = agreement.agreement(_answers([("candidate", "a", "1")]), ["a"])
    assert agreement.agreement_check(only_candidate, 0.95).status == "INCONCLUSIVE"
    assert agreement.agreement_check(agreement.agreement([], ["a"]), 0.95).status == "FAIL"


def test_a_zero_limit_always_passes_what_was_compared() -> None:
    assert agreement.agreement_check(_alike(0, differing=3), 0.0).status == "PASS"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("99%", 0.99), ("0.95", 0.95), ("100%", 1.0), ("0%", 0.0), ("off", None), (" OFF ", None)],
)
def test_parse_min_agreement(text: str, expected: float | None) -> None:
    assert agreement.parse_min_agreement(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["ninety", "101%", "-1"])
def test_parse_min_agreement_refuses_nonsense(text: str) -> None:
    with pytest.raises(HarnessError, match="--min-agreement"):
        agreement.parse_min_agreement(text)


def test_anytime_agreement_uses_the_rate_sequence_and_needs_more_payloads() -> None:
    """All alike: the fixed interval clears 95 % from 72 distinct payloads, the sequence from 116."""
    for count, fixed, anytime in (
        (100, "PASS", "INCONCLUSIVE"),
        (116, "PASS", "PASS"),
        (1, "INCONCLUSIVE", "INCONCLUSIVE"),
    ):
        assert agreement.agreement_check(_alike(count), 0.95).status == fixed
        check = agreement.agreement_check(_alike(count), 0.95, anytime=True)
        assert (check.status, check.method) == (anytime, "confidence sequence (beta-binomial mixture)")
    assert agreement.agreement_check(_alike(100), 0.95).method == "Clopper-Pearson"
    retrained = agreement.agreement_check(_alike(266, 34), 0.95, anytime=True)  # --model-seed 7 on the default set
    assert retrained.status == "FAIL"
    assert "95% CS" in retrained.line
    assert agreement.payloads_to_decide(100, 100, 0.95, anytime=True) == 116
