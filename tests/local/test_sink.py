"""The ingestion sink answers like Application Insights and stores durably (scorebench/local/sink.py)."""

from __future__ import annotations

import gzip
import json

import requests

from scorebench.local.sink import Sink
from scorebench.probes.store import read_envelopes

ENVELOPE = {
    "name": "Microsoft.ApplicationInsights.Request",
    "time": "2026-11-22T20:00:00Z",
    "data": {"baseType": "RequestData", "baseData": {"name": "/score"}},
}


def test_track_plain_and_gzip(tmp_path):
    sink = Sink(tmp_path).start()
    try:
        plain = requests.post(sink.url + "v2.1/track", data=json.dumps([ENVELOPE, ENVELOPE]), timeout=5)
        zipped = requests.post(
            sink.url + "v2.1/track",
            data=gzip.compress(json.dumps([ENVELOPE]).encode()),
            headers={"Content-Encoding": "gzip"},
            timeout=5,
        )
        bad = requests.post(sink.url + "v2.1/track", data="{}", timeout=5)
    finally:
        sink.stop()
    assert plain.json() == {"itemsReceived": 2, "itemsAccepted": 2, "errors": []}
    assert zipped.json()["itemsAccepted"] == 1
    assert bad.status_code == 400
    stored = list(read_envelopes(tmp_path, "RequestData"))
    assert stored == [ENVELOPE] * 3  # verbatim, and still there after the sink stopped
