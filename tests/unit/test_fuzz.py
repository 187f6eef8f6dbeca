"""Fuzzing every parser of outside input, a few hundred cases per target (the targets are `harness.fuzz_targets`)."""

from __future__ import annotations

import pytest

from harness.fuzz import FUZZ_CASES
from harness.fuzz_targets import TARGETS, run_target


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz(name: str) -> None:
    run_target(name, FUZZ_CASES)
