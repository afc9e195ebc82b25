"""The demo district as a cached bench dataset (shared by ``browse`` and ``verification``)."""

from __future__ import annotations

from bench.common import Cache, code_version


def district_cache(database: str, persons: int, smoke: bool = False) -> Cache:
    """The cache holding ``seed_district(persons, 2020)``; the child seeds it through
    ``bench.state.district`` (a no-op once the state record has the stage)."""
    version = code_version("bench/state.py", "bench/district.py", persons=persons, seed=2020)
    return Cache(f"district-{persons}", database, version, smoke=smoke)
