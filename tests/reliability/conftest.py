"""The crash tests run on a real PostgreSQL (a fresh database per test)."""

from tests.integration.conftest import pg_url  # noqa: F401  (fixture)
