"""pytest plugin (entry point `scorebench`): the `scoring_endpoint` fixture for pytest-benchmark.

Times `POST /score` calls through pytest-benchmark, so a team's CI gates an endpoint's latency with
pytest-benchmark's own storage and comparison (`--benchmark-autosave`,
`--benchmark-compare-fail=median:10%`). URL from `--scoring-url` or $SCOREBENCH_URL, key from
$SCOREBENCH_KEY (never a flag), payloads from `--scoring-payloads` (default: the bank-marketing set).
Rules: this module is imported in every pytest session that has scorebench installed, so its import
is cheap and side-effect free (stdlib and pytest only; the rest is imported when the fixture runs);
with no URL the fixture skips the test; the key never appears in output or in saved benchmarks.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

URL_ENV = "SCOREBENCH_URL"
KEY_ENV = "SCOREBENCH_KEY"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scorebench", "scorebench scoring endpoint benchmarks")
    group.addoption("--scoring-url", default=None, help=f"scoring URL to benchmark (default ${URL_ENV})")
    group.addoption("--scoring-payloads", default=None, help="payload file or folder (default: bank-marketing set)")
    group.addoption("--scoring-timeout-s", type=float, default=60.0, help="per-request timeout (default 60)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers, never followed: the key would go with them (as in both engines)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class ScoringError(AssertionError):
    """The endpoint answered, but not with 2xx: a benchmark of failures would mean nothing."""


@dataclasses.dataclass
class ScoringEndpoint:
    """One scoring endpoint: `score()` one call, `benchmark()` time calls through pytest-benchmark."""

    url: str
    payloads: list[Any]
    timeout_s: float
    _key: str | None = dataclasses.field(repr=False, default=None)
    _benchmark: Any = dataclasses.field(repr=False, default=None)
    calls: int = 0

    def score(self, payload_id: str | None = None) -> Any:
        """POST one payload; returns the answer decoded as an Azure ML client does (a JSON string
        holding JSON unwrapped once); raises ScoringError unless the one classifier
        (scorebench/loadtests/outcomes.py) calls it `ok`."""
        from scorebench.loadtests import outcomes

        payload = self._payload(payload_id)
        headers = {"Content-Type": "application/json", "Accept-Encoding": outcomes.ACCEPT_ENCODING,
                   "x-ms-client-request-id": uuid.uuid4().hex}  # fmt: skip
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.url, data=payload.body, headers=headers, method="POST")
        self.calls += 1
        try:
            with _OPENER.open(request, timeout=self.timeout_s) as answer:
                status, body, said_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as exc:
            outcome = outcomes.classify_status(exc.code, exc.headers.get(outcomes.RUN_FAILED_HEADER),
                                               exc.headers.get(outcomes.RETRY_AFTER_HEADER),
                                               exc.headers.get(outcomes.MODEL_STATUS_HEADER))  # fmt: skip
            raise ScoringError(
                f"POST {self._safe_url()} answered {exc.code} for payload {payload.payload_id} ({outcome})"
            ) from None
        except (
            OSError,
            http.client.HTTPException,
        ) as exc:  # URLError, timeouts, resets, cut short: named as the engines name them
            raise ScoringError(
                f"POST {self._safe_url()} for payload {payload.payload_id}: {outcomes.classify_exception(exc)}"
            ) from None
        outcome, _ = outcomes.classify(
            status, body, said_headers.get(outcomes.RUN_FAILED_HEADER), said_headers.get(outcomes.RETRY_AFTER_HEADER),
            records=outcomes.record_count(payload.body), content_encoding=said_headers.get("Content-Encoding"),
        )  # fmt: skip
        if outcome != "ok":
            raise ScoringError(self._failure(status, outcome, payload.payload_id, body, said_headers))
        return outcomes.decode_answer(outcomes.decode_body(body, said_headers.get("Content-Encoding")))

    def _failure(self, status: int, outcome: str, payload_id: str, body: bytes, headers: Any) -> str:
        from scorebench.loadtests import outcomes

        decoded = outcomes.decode_answer(outcomes.decode_body(body, headers.get("Content-Encoding")))
        said = outcomes.error_message(decoded) if outcome == "model_error" and isinstance(decoded, str | dict) else ""
        return f"POST {self._safe_url()} answered {status} but {outcome} for payload {payload_id}" + (
            f": {said[:200]}" if said else ""
        )

    def benchmark(self, payload_id: str | None = None, rounds: int = 20, warmup_rounds: int = 1) -> Any:
        """Time `rounds` scoring calls (one request each) with pytest-benchmark; returns the last answer."""
        self._benchmark.extra_info.update(
            {"scoring_url": self._safe_url(), "payload_id": self._payload(payload_id).payload_id}
        )
        return self._benchmark.pedantic(
            self.score, args=(payload_id,), rounds=rounds, iterations=1, warmup_rounds=warmup_rounds
        )

    def _payload(self, payload_id: str | None) -> Any:
        if payload_id is None:
            return self.payloads[0]
        for payload in self.payloads:
            if payload.payload_id == payload_id:
                return payload
        raise ValueError(f"no payload {payload_id!r} (have: {', '.join(p.payload_id for p in self.payloads)})")

    def _safe_url(self) -> str:
        from scorebench.core.secrets import safe_url

        return safe_url(self.url)


@pytest.fixture
def scoring_endpoint(request: pytest.FixtureRequest) -> ScoringEndpoint:
    """The endpoint under test; skips the test when no URL is given (--scoring-url / $SCOREBENCH_URL)."""
    url = request.config.getoption("--scoring-url") or os.environ.get(URL_ENV)
    if not url:
        pytest.skip(f"no scoring endpoint: pass --scoring-url or set ${URL_ENV}")
    from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads

    path = request.config.getoption("--scoring-payloads") or DEFAULT_PAYLOADS
    return ScoringEndpoint(
        url=url,
        payloads=load_payloads(path),
        timeout_s=float(request.config.getoption("--scoring-timeout-s")),
        _key=os.environ.get(KEY_ENV) or None,
        _benchmark=request.getfixturevalue("benchmark"),
    )
