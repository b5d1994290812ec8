"""Unit-test fixtures shared by every room.

Under mutmut (scripts/mutation) each test starts with the pure core's memo caches empty. mutmut
runs the clean suite in its own process and forks one child per mutant: an answer cached there
(a parsed type, a quoted name, a DDL template) would be served without running the mutated code,
and its statistics would not see which tests reach that code. A mutant of `parse_type`'s helpers
survived every test that checks it that way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from streamt.sql import ddl, dialect, types

_CACHED = (
    types.parse_type,
    dialect.quote_identifier,
    dialect.quote_string,
    ddl.set_option,
    ddl._create_template,
)


@pytest.fixture(autouse=True)
def _cold_caches_under_mutmut() -> Iterator[None]:
    if "MUTANT_UNDER_TEST" in os.environ:
        for cached in _CACHED:
            cached.cache_clear()
    yield
