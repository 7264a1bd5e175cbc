"""The managed stand-in's deployment options: instances widen the platform's admission gate."""

from __future__ import annotations

import pytest

from scorebench.core.errors import HarnessError
from scorebench.local.front import Route
from scorebench.local.managed import parse_deployment


def test_instances_multiply_the_admission_limit():
    spec = parse_deployment("blue=latency_ms:20,instances:3")
    assert (spec.name, spec.instances, spec.knobs) == ("blue", 3, {"latency_ms": 20.0})
    route = Route(spec.name, "http://127.0.0.1:9", spec.traffic, max_concurrent=2, instances=spec.instances)
    assert route.admission_limit == 12  # 2 x max_concurrent_requests_per_instance x instance_count
    assert parse_deployment("green=").instances == 1


def test_an_unknown_option_names_the_known_ones():
    with pytest.raises(HarnessError, match=r"unknown option 'replicas'.*instances"):
        parse_deployment("blue=replicas:2")
