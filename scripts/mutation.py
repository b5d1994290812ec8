"""Runs mutmut room by room over the pure core and reports the mutation score per room.

The score of a room is killed / checked, where a mutant counts as killed when a unit test failed
(or timed out, or mypy-style type checking caught it) and as surviving when every selected test
passed or no test ran its code. Mutants that were not run (yet) are not counted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOMS = ("config", "graph", "validate", "plan", "sql", "compile")  # smallest first
MUTMUT = [".venv/bin/mutmut", "run", "--max-children", "1"]
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -11, -9}  # test failed, timeout, type check, crash
SURVIVED = {0, 5, 33}  # every selected test passed, or no test reached the code
META = Path("mutants/src/streamt")


def exit_codes(room: str) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in sorted((META / room).glob("**/*.py.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def score(room: str) -> tuple[int, int, int]:
    """(killed, survived, not run) of a room's mutants."""
    tally: Counter[str] = Counter()
    for code in exit_codes(room).values():
        if code in KILLED:
            tally["killed"] += 1
        elif code in SURVIVED:
            tally["survived"] += 1
        else:
            tally["not run"] += 1
    return tally["killed"], tally["survived"], tally["not run"]


def survivors(room: str) -> list[str]:
    return sorted(name for name, code in exit_codes(room).items() if code in SURVIVED)


def changed_modules(ref: str, rooms: list[str]) -> list[str]:
    """Modules of `rooms` changed since `ref`; their mutants are named `<module>.x<function>..`."""
    out = subprocess.run(
        ["git", "diff", "--name-only", ref, "--", *(f"src/streamt/{r}" for r in rooms)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    modules = []
    for line in out.splitlines():
        path = Path(line)
        if path.suffix == ".py" and path.exists():
            modules.append(".".join(path.with_suffix("").parts[1:]).removesuffix(".__init__"))
    return modules


def sampled(room: str, every: int) -> list[str]:
    """A deterministic 1-in-`every` subset of the room's mutants (by a hash of the name)."""
    names = sorted(exit_codes(room))
    return [n for n in names if int(hashlib.sha1(n.encode()).hexdigest(), 16) % every == 0]


def forget(room: str, codes: set[int | None] | None) -> None:
    """Drops the room's cached verdicts (all, or those with an exit code in `codes`) so that
    mutmut checks those mutants again: mutmut keeps a verdict while the mutated function is
    unchanged, even when tests were added that would now kill it."""
    for meta in sorted((META / room).glob("**/*.py.meta")):
        data = json.loads(meta.read_text())
        verdicts = data["exit_code_by_key"]
        for name, code in verdicts.items():
            if codes is None or code in codes:
                verdicts[name] = None
        meta.write_text(json.dumps(data))


def run(patterns: list[str]) -> None:
    if patterns:
        # mutmut copies tests/ over its old copy: a deleted test module would live on there
        shutil.rmtree("mutants/tests", ignore_errors=True)
        # the wall-clock bounds of the security tests are for plain runs: traced through
        # mutmut's trampolines at nice 19 on a shared machine the same work takes several times
        # longer (a failed clean run stops mutmut; a slow mutant must not count as killed)
        env = {**os.environ, "STREAMT_TEST_TIME_BOUND_S": "120"}
        subprocess.run([*MUTMUT, *patterns], check=False, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutation", description=__doc__)
    parser.add_argument("rooms", nargs="*", metavar="ROOM", help=" ".join(ROOMS))
    parser.add_argument("--since", metavar="REF", help="only modules changed since this git ref")
    parser.add_argument("--sample", type=int, metavar="N", help="a 1-in-N subset of the mutants")
    parser.add_argument("--score", action="store_true", help="print scores, run nothing")
    parser.add_argument(
        "--recheck", action="store_true", help="check the surviving mutants again (after new tests)"
    )
    parser.add_argument("--fresh", action="store_true", help="forget every verdict of the rooms")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args()
    rooms = args.rooms or list(ROOMS)
    if unknown := set(rooms) - set(ROOMS):
        parser.error(f"unknown room(s) {sorted(unknown)}; rooms: {' '.join(ROOMS)}")
    if args.survivors:
        for room in rooms:
            print("\n".join(survivors(room)))
        return 0
    if not args.score:
        if not META.exists():  # first run: let mutmut generate every room's mutants
            run([f"streamt.{rooms[0]}.__init__.*"])
        for room in rooms:
            if args.fresh or args.recheck:
                forget(room, None if args.fresh else SURVIVED)
            if args.since:
                run([f"{m}.x*" for m in changed_modules(args.since, [room])])
            elif args.sample:
                run(sampled(room, args.sample))
            elif args.recheck:
                run([n for n, code in exit_codes(room).items() if code is None])
            else:
                run([f"streamt.{room}.*"])
    for room in rooms:
        killed, survived, not_run = score(room)
        checked = killed + survived
        pct = f"{100 * killed / checked:5.1f}%" if checked else "    -"
        print(f"{room:9} {pct}  killed {killed:5}  survived {survived:5}  not run {not_run:5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
