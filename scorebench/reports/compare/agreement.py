"""reports/compare/agreement.py: did the candidate answer the payloads as the current? (docs/compare.md, "Agreement")

Pure functions over the distinct answers of a paired load (records.Answer, outcome ok only: the
engine keeps no answer of a failed request). Rules:
- a payload agrees when both sides answered it with a prediction (outcome ok) and gave the same
  set of decoded answers (equal digests); payloads one side never answered are listed apart,
  never counted as agreeing;
- the share agreeing/compared is judged with its Clopper-Pearson 95 % interval over the distinct
  payloads compared (reports/common/intervals.py `rate_interval`): PASS when the whole interval is at or
  above the limit, FAIL when it is wholly below, INCONCLUSIVE otherwise, with how many distinct
  payloads would likely decide it;
- a candidate that answered no payload with a prediction FAILs (null answers and errors are no
  agreement); a current that answered none leaves nothing to compare: INCONCLUSIVE.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.records import Answer
from scorebench.reports.common import metrics
from scorebench.reports.common.checks import FAIL, INCONCLUSIVE, Check, decide, interval_label
from scorebench.reports.common.metrics import DEFAULT_MIN_AGREEMENT as DEFAULT_MIN_AGREEMENT
from scorebench.reports.common.metrics import Observed

AGREEMENT = metrics.BY_NAME["agreement"]
"""Its row in the table: the share agreeing, with its Clopper-Pearson interval."""
OFF = "off"
MAX_LISTED = 50
"""The report lists at most this many disagreeing (and unanswered) payloads; the counts are complete."""
MAX_DECIDING_PAYLOADS = 100_000
"""`payloads_to_decide` looks no further: beyond it the share sits (practically) on the limit."""


@dataclasses.dataclass(frozen=True)
class Agreement:
    """How often the two sides answered a payload alike."""

    payloads: int
    """Distinct payloads sent."""
    compared: int
    """Distinct payloads both sides answered with a prediction (outcome ok)."""
    agreeing: int
    share: float | None
    """agreeing / compared (None when nothing could be compared)."""
    disagreements: list[dict[str, str]]
    """At most MAX_LISTED: payload_id, current, candidate (answers cut short and redacted)."""
    unanswered: list[str]
    """Payloads one side (or both) never answered ok (at most MAX_LISTED ids)."""
    unanswered_count: int
    answered: dict[str, int] = dataclasses.field(default_factory=dict)
    """Per side (current, candidate): distinct payloads it answered with a prediction."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def parse_min_agreement(text: str) -> float | None:
    """`95%` or `0.95` → 0.95, `off` → None (--min-agreement); HarnessError otherwise."""
    raw = text.strip().lower()
    if raw == OFF:
        return None
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise HarnessError(f"--min-agreement {text!r}: expected a share like 95% or 0.95, or off") from None
    if not 0.0 <= value <= 1.0:
        raise HarnessError(f"--min-agreement {text!r}: must be between 0% and 100%")
    return value


def agreement(answers: Sequence[Answer], payload_ids: Sequence[str]) -> Agreement:
    """Per payload, whether both sides gave the same decoded answers (by digest)."""
    digests: dict[tuple[str, str], set[str]] = defaultdict(set)
    texts: dict[tuple[str, str], str] = {}
    for answer in answers:
        digests[(answer.target, answer.payload_id)].add(answer.answer_digest)
        texts.setdefault((answer.target, answer.payload_id), answer.answer)
    sent = sorted(set(payload_ids))
    compared = [p for p in sent if digests.get(("current", p)) and digests.get(("candidate", p))]
    differing = [p for p in compared if digests[("current", p)] != digests[("candidate", p)]]
    unanswered = [p for p in sent if p not in set(compared)]
    listed = [
        {"payload_id": p, "current": texts[("current", p)], "candidate": texts[("candidate", p)]}
        for p in differing[:MAX_LISTED]
    ]
    answered = {side: sum(1 for p in sent if digests.get((side, p))) for side in ("current", "candidate")}
    agreeing = len(compared) - len(differing)
    share = round(agreeing / len(compared), 6) if compared else None
    return Agreement(
        len(sent), len(compared), agreeing, share, listed, unanswered[:MAX_LISTED], len(unanswered), answered
    )


def agreement_check(found: Agreement, minimum: float, anytime: bool = False) -> Check:
    """The share agreeing, decided three ways by its 95 % interval over the distinct payloads compared
    (`anytime`: its confidence sequence, the beta-binomial mixture, as the payloads compared grow)."""
    limit = round(minimum * 100, 6)
    if not found.compared:
        return _nothing_compared(found, limit)
    observed = Observed(requests=found.compared, agreeing=found.agreeing)
    share, (low, high) = AGREEMENT.estimate(observed), AGREEMENT.interval(observed, anytime)
    status = decide(low, high, minimum, upper=AGREEMENT.lower_is_better, inclusive=True)
    show = AGREEMENT.unit.format
    line = (
        f"{status} agreement: {show(share)} of {found.compared} distinct payloads answered alike "
        f"({found.compared - found.agreeing} differ; {interval_label(anytime)} {show(low)}..{show(high)}, "
        f"limit >= {limit:g}%){_hint(found, minimum, anytime) if status == INCONCLUSIVE else ''}"
    )
    shown = [round(v * AGREEMENT.unit.display_scale, 4) for v in (share, low, high)]
    return Check("agreement", "agreement", "agreement", limit, shown[0], None, shown[1], shown[2], "%", status, line,
                 AGREEMENT.method(anytime))  # fmt: skip


def payloads_to_decide(agreeing: int, compared: int, minimum: float, anytime: bool = False) -> int | None:
    """The fewest distinct payloads whose interval, at the share seen, would clear the limit
    (all of 72 agreeing decide >= 95 %; 116 under the confidence sequence); None when the share
    sits on the limit."""
    share = agreeing / compared
    for count in range(compared + 1, MAX_DECIDING_PAYLOADS + 1):
        low, high = AGREEMENT.interval(Observed(requests=count, agreeing=round(share * count)), anytime)
        if decide(low, high, minimum, upper=AGREEMENT.lower_is_better, inclusive=True) != INCONCLUSIVE:
            return count
    return None


def _hint(found: Agreement, minimum: float, anytime: bool) -> str:
    count = payloads_to_decide(found.agreeing, found.compared, minimum, anytime)
    if count is None:
        return "; the share sits on the limit: no payload set is likely to decide it"
    return f"; about {count} distinct payloads answered by both would likely decide it"


def _nothing_compared(found: Agreement, limit: float) -> Check:
    """No payload answered with a prediction by both: the candidate's fault FAILs, the current's cannot judge."""
    if not found.answered.get("candidate"):
        status = FAIL
        why = f"the candidate answered none of {found.payloads} distinct payloads with a prediction"
    else:
        status = INCONCLUSIVE
        why = f"the current answered none of {found.payloads} distinct payloads with a prediction: nothing to compare"
    line = f"{status} agreement: {why} (limit >= {limit:g}%)"
    return Check("agreement", "agreement", "agreement", limit, None, None, None, None, "%", status, line)
