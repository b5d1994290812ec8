"""A test's typed assertion entries (validated at load) -> the `Assertion`s the runners read.

Nothing is checked here: `streamt.load.assertions` refused bad input while the project loaded
(T001-T005); this only numbers the entries and places each on its kind's key. Whether a kind
suits the test's type is `streamt.testing.check`'s job.
"""

from __future__ import annotations

from streamt.load.model import DataTest
from streamt.testing.assertions import Assertion


def assertions_of(test: DataTest) -> tuple[Assertion, ...]:
    return tuple(
        Assertion(i, entry.kind, entry.params, test.where(f"assertions.{i}.{entry.kind.value}"))
        for i, entry in enumerate(test.assertions)
    )
