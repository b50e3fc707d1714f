"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.support.httpd import FixtureHTTPServer

# CI runs are reproducible (derandomized); local runs keep exploring new examples.
# HYPOTHESIS_PROFILE=thorough runs many more examples on demand (minutes, not seconds).
settings.register_profile("ci", derandomize=True)
settings.register_profile("thorough", max_examples=1500, deadline=None)
_profile = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else None)
if _profile:
    settings.load_profile(_profile)


@pytest.fixture
def httpd() -> Iterator[FixtureHTTPServer]:
    """A started local HTTP server on 127.0.0.1 (see tests/support/httpd.py)."""
    with FixtureHTTPServer() as server:
        yield server
