"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.httpd import FixtureHTTPServer


@pytest.fixture
def httpd() -> Iterator[FixtureHTTPServer]:
    """A started local HTTP server on 127.0.0.1 (see tests/support/httpd.py)."""
    with FixtureHTTPServer() as server:
        yield server
