"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.support.httpd import FixtureHTTPServer

# CI runs are reproducible (derandomized); local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def httpd() -> Iterator[FixtureHTTPServer]:
    """A started local HTTP server on 127.0.0.1 (see tests/support/httpd.py)."""
    with FixtureHTTPServer() as server:
        yield server
