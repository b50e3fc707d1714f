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


# ---- state stores: SQLite and a throwaway PostgreSQL cluster (tests/support/pgcluster.py) ----


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """One PostgreSQL cluster for the session, or a skip saying why there is none."""
    from tests.support.pgcluster import cluster_or_reason

    with cluster_or_reason() as cluster:
        if isinstance(cluster, str):
            pytest.skip(cluster)
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: object, request: pytest.FixtureRequest) -> str:
    """A fresh empty database of the session's cluster, for this test alone."""
    from tests.support.pgcluster import Cluster

    assert isinstance(pg_cluster, Cluster)
    _pg_count[0] += 1
    return pg_cluster.create_database(f"t{_pg_count[0]}")


_pg_count = [0]
