"""core/memory.py: with the threshold fixed, freed column-sized blocks leave the process (glibc)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

CHURN = """
import sys
sys.path.insert(0, {root!r})
from scorebench.core.memory import return_freed_memory
fixed = return_freed_memory() if {fix} else False
import numpy as np
first = np.ones(1_000_000)  # 8 MB, freed: glibc raises its mmap threshold to 8 MB
del first
blocks = [np.ones(500_000) for _ in range(50)]  # 200 MB of 4 MB blocks
del blocks[:-1]  # all but the last freed
pages = int(open("/proc/self/statm").read().split()[1])
print(fixed, pages * 4096 // 2**20)
"""


def _rss_after_churn_mb(fix: bool) -> tuple[bool, int]:
    code = CHURN.format(root=str(REPO_ROOT), fix=fix)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    fixed, rss_mb = done.stdout.split()
    return fixed == "True", int(rss_mb)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the knob is glibc's")
def test_freed_blocks_are_returned_only_with_the_threshold_fixed() -> None:
    fixed, returned_mb = _rss_after_churn_mb(fix=True)
    _, kept_mb = _rss_after_churn_mb(fix=False)
    assert fixed
    assert kept_mb - returned_mb > 150  # glibc's default keeps the 196 MB freed under the last block
