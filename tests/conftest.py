"""Fixtures for every test folder: a throwaway PostgreSQL server (started on first use,
once per session) and a fresh database in it per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import MISSING, SKIP_VARIABLE, Cluster, find_bin_dir, throwaway_cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster; missing binaries fail the tests (not skip them),
    unless ASSISTANT_TEST_SKIP_POSTGRES=1."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: PostgreSQL tests skipped")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.fail(MISSING, pytrace=False)
    with throwaway_cluster(bin_dir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """The URL of a new, empty database for this test."""
    return postgres_cluster.new_database()


@pytest.fixture
def stoppable_postgres(postgres_cluster: Cluster) -> Iterator[Cluster]:
    """The session's cluster, for a test that stops or restarts it: running again after."""
    yield postgres_cluster
    if not postgres_cluster.running:
        postgres_cluster.start()
