"""Fixtures of the domain stories."""

from __future__ import annotations

import pytest

from tests.domain.test_lifecycle import Zhejiang


@pytest.fixture
def zj() -> Zhejiang:
    """Zhejiang's federation as a cultivating body, with its officers and a policy in force."""
    return Zhejiang()
