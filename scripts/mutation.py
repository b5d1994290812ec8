"""Runs mutmut room by room over the pure core and reports the mutation score per room.

The score of a room is killed / checked, where a mutant counts as killed when a unit test failed
(or timed out, or mypy-style type checking caught it) and as surviving when every selected test
passed or no test ran its code. Mutants that were not run (yet) are not counted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOMS = ("config", "graph", "validate", "plan", "sql", "compile")  # smallest first
MUTMUT = [".venv/bin/python", "scripts/mutmut_focused.py"]  # mutmut run, tests of the room
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -11, -9}  # test failed, timeout, type check, crash
SURVIVED = {0, 5, 33}  # every selected test passed, or no test reached the code
META = Path("mutants/src/streamt")
RESULTS = Path("mutants/results")
SEED = "streamt-17"  # the fixed seed of --per-room samples: the same mutants before and after


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


def stratified(room: str, size: int, seed: str = SEED) -> list[str]:
    """`size` mutants of the room, the same ones in every run over the same code: each mutant's
    rank is a hash of the seed and its name, so adding or changing other functions leaves the
    sample of the unchanged ones alone."""
    names = sorted(exit_codes(room))
    return sorted(names, key=lambda n: hashlib.sha1(f"{seed}:{n}".encode()).hexdigest())[:size]


def wilson(killed: int, checked: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion killed / checked."""
    if not checked:
        return 0.0, 1.0
    p = killed / checked
    centre = (p + z * z / (2 * checked)) / (1 + z * z / checked)
    half = z * math.sqrt(p * (1 - p) / checked + z * z / (4 * checked * checked))
    return max(0.0, centre - half / (1 + z * z / checked)), min(
        1.0, centre + half / (1 + z * z / checked)
    )


def write_results(room: str, names: list[str], label: str) -> dict[str, object]:
    """Writes mutants/results/<label>/<room>.json: every sampled mutant with its verdict, the
    score and its 95 % interval. A sampled mutant without a verdict makes the run incomplete."""
    codes = exit_codes(room)
    verdicts = {n: codes.get(n) for n in names}
    killed = sorted(n for n, c in verdicts.items() if c in KILLED)
    survived = sorted(n for n, c in verdicts.items() if c in SURVIVED)
    not_run = sorted(n for n, c in verdicts.items() if c not in KILLED | SURVIVED)
    checked = len(killed) + len(survived)
    low, high = wilson(len(killed), checked)
    result: dict[str, object] = {
        "room": room,
        "seed": SEED,
        "sampled": len(names),
        "killed": len(killed),
        "survived": len(survived),
        "not_run": len(not_run),
        "complete": not not_run,
        "score": round(len(killed) / checked, 4) if checked else None,
        "interval_95": [round(low, 4), round(high, 4)],
        "survivors": survived,
        "unexecuted": not_run,
        "exit_code_by_mutant": verdicts,
    }
    (RESULTS / label).mkdir(parents=True, exist_ok=True)
    (RESULTS / label / f"{room}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def generate() -> None:
    """Writes every room's mutants (mutants/) without running a test: mutmut's own first run
    would also trace and run the whole unit suite before the first sample can be drawn."""
    code = (
        "from mutmut.__main__ import create_mutants, set_mutant_under_test\n"
        "from mutmut.utils.file_utils import copy_src_dir, copy_also_copy_files,"
        " setup_source_paths\n"
        "set_mutant_under_test('mutant_generation')\n"
        "copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(2)\n"
    )
    subprocess.run([".venv/bin/python", "-c", code], check=True, stdout=subprocess.DEVNULL)


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


def run(patterns: list[str], workers: int = 1) -> None:
    if patterns:
        # mutmut copies tests/ over its old copy: a deleted test module would live on there
        shutil.rmtree("mutants/tests", ignore_errors=True)
        # the wall-clock bounds of the security tests are for plain runs: traced through
        # mutmut's trampolines at nice 19 on a shared machine the same work takes several times
        # longer (a failed clean run stops mutmut; a slow mutant must not count as killed)
        env = {**os.environ, "STREAMT_TEST_TIME_BOUND_S": "120"}
        subprocess.run([*MUTMUT, str(workers), *patterns], check=False, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutation", description=__doc__)
    parser.add_argument("rooms", nargs="*", metavar="ROOM", help=" ".join(ROOMS))
    parser.add_argument("--since", metavar="REF", help="only modules changed since this git ref")
    parser.add_argument("--sample", type=int, metavar="N", help="a 1-in-N subset of the mutants")
    parser.add_argument(
        "--per-room",
        type=int,
        metavar="K",
        help="run K mutants of each room (a fixed-seed sample), every one of them, and write "
        "mutants/results/LABEL/ROOM.json",
    )
    parser.add_argument("--label", default="latest", help="results folder of --per-room")
    parser.add_argument(
        "--workers", type=int, default=1, help="mutants checked at once (default 1; nice 19)"
    )
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
    if args.per_room:
        return per_room(rooms, args.per_room, args.label, args.workers, args.recheck)
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


def per_room(rooms: list[str], size: int, label: str, workers: int, recheck: bool) -> int:
    """One complete measured run: the fixed-seed sample of every room, all in one mutmut run
    (one trace of the suite, one clean run), every sampled mutant checked again. With `recheck`
    a sampled mutant killed before keeps its verdict while its function is unchanged (mutmut
    forgets the verdicts of a changed function; added tests cannot make a killed mutant live):
    only the survivors and the mutants of changed functions run."""
    generate()
    samples = {room: stratified(room, size) for room in rooms}
    wanted = [name for names in samples.values() for name in names]
    if recheck:
        codes = {n: c for room in rooms for n, c in exit_codes(room).items()}
        wanted = [n for n in wanted if codes.get(n) not in KILLED]
    run(wanted, workers)
    incomplete = 0
    for room in rooms:
        r = write_results(room, samples[room], label)
        low, high = r["interval_95"]  # type: ignore[misc]
        pct = f"{100 * r['score']:5.1f}%" if r["score"] is not None else "    -"  # type: ignore[operator]
        print(
            f"{room:9} {pct} (95 % {100 * low:.0f}-{100 * high:.0f})  killed {r['killed']:3}"
            f"  survived {r['survived']:3}  not run {r['not_run']:3}  of {r['sampled']}"
        )
        incomplete += int(r["not_run"])  # type: ignore[call-overload]
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
