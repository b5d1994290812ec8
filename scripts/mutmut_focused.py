"""`mutmut run`, with each mutant checked by the unit tests of its own room only (scripts/mutation).

mutmut checks a mutant with every test that reached its function during the traced clean run; for
the pure core that is most of the unit suite (a parsed type reaches nearly every test), so one
surviving mutant costs a whole suite run. Here a mutant of `streamt.<room>` is checked by the
tests under `tests/unit/<room>/` and the unit test modules that import `streamt.<room>`, of those
that reached its function, the room's own first and the fastest first within each group (mutmut
stops at the first failure). Dropping tests can only turn a kill into a survival: the score is a
lower bound of mutmut's own. Usage: python scripts/mutmut_focused.py MAX_CHILDREN MUTANT...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import mutmut.__main__ as mm
from mutmut.state import state

_IMPORTS: dict[str, set[str]] = {}


def _rooms_imported(test_file: str) -> set[str]:
    """The `streamt.<room>` packages a test module imports (read from mutants/, where it runs)."""
    if test_file not in _IMPORTS:
        text = Path(test_file).read_text() if Path(test_file).exists() else ""
        found = set(re.findall(r"\bstreamt\.(\w+)", text))
        found |= {
            name.strip()
            for names in re.findall(r"from streamt import ([\w ,()]+)", text)
            for name in names.strip("()").split(",")
        }
        _IMPORTS[test_file] = found
    return _IMPORTS[test_file]


def _owns(room: str, test: str) -> tuple[bool, bool]:
    """(in the room's folder, reaches the room by an import) of one test node id."""
    test_file = test.split("::", 1)[0]
    return test_file.startswith(f"tests/unit/{room}/"), room in _rooms_imported(test_file)


def focus() -> None:
    tests_by_function = state().tests_by_mangled_function_name
    durations = state().duration_by_test
    for function, tests in list(tests_by_function.items()):
        room = function.split(".")[1] if function.startswith("streamt.") else ""
        kept = {t for t in tests if any(_owns(room, t))}
        tests_by_function[function] = kept
    # the order the tests are handed to pytest (which runs them in argument order, -x)
    mm._focused_order = lambda room, tests: sorted(  # type: ignore[attr-defined]
        tests, key=lambda t: (not _owns(room, t)[0], durations.get(t, 0.0), t)
    )


def main() -> None:
    original_stats = mm.collect_or_load_stats
    original_runner = mm.get_mutant_runner

    def collect_then_focus(*args: Any, **kwargs: Any) -> None:
        original_stats(*args, **kwargs)
        focus()

    def ordered_runner(*args: Any, **kwargs: Any) -> Any:
        runner = original_runner(*args, **kwargs)
        submit = runner.submit

        def ordered_submit(mutant_name: str, tests: list[str], *rest: Any) -> None:
            room = mutant_name.split(".")[1]
            submit(mutant_name, mm._focused_order(room, tests), *rest)  # type: ignore[attr-defined]

        runner.submit = ordered_submit
        return runner

    mm.collect_or_load_stats = collect_then_focus
    mm.get_mutant_runner = ordered_runner
    mm._run(sys.argv[2:], int(sys.argv[1]))


if __name__ == "__main__":
    main()
