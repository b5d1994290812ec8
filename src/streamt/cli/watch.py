"""`--watch` (validate, compile): run the command, then again each time a project file changes.

One `streamt.context.Session` lives as long as the process: a run reads again only the YAML
entries an edit touched and compiles again only the models whose object or inputs changed; its
result is the one a cold run gives. The files a run reads (`files`: YAML, SQL, `.env`,
`schemas.lock`, user-function jars) are polled by modification time and size every `INTERVAL`
seconds (longer for a project whose listing takes longer, so polling stays a small share of a
core), and a run starts as soon as one changed; a save caught half-written is run again when
it completes (its size or time changes again). A change of `.env*` or `environments/` starts a
fresh session. After each run one line goes to stdout, `[watch] <result> in <s> s (cpu <s>
s)`, then garbage is collected while waiting (the survivors frozen, so the next collection
looks only at what later runs made). Ctrl-C stops (exit 0).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

from streamt.cli import render
from streamt.context import Context, Session
from streamt.diagnostics import StreamtError

INTERVAL = 0.02  # seconds between two looks at the files (at least)
FRESH = (".env", "environments")  # what every entry kept may depend on


def watch(
    project_dir: Path,
    make: Callable[[Session], Context],
    run: Callable[[Context], int],
    skip: Path | None = None,
    fmt: str = "text",
) -> int:
    """Run `run(make(session))` now and after every change under the project, until Ctrl-C."""
    import click

    if fmt == "json":
        raise click.UsageError(
            "--watch prints a report per run as text (or --format github); --format json is "
            "one document for a command that ends"
        )

    root = make(Session()).project_root()
    session = Session()
    try:
        seen = files(root, skip)
        while True:
            _once(make(session), run, root)
            gc.collect()  # the run's garbage, while nothing waits on us;
            gc.freeze()  # what survived is the kept state: later collections skip it
            seen, changed = _wait(root, skip, seen)
            if any(Path(name).parts[0].startswith(FRESH) for name in changed):
                session = Session()
    except KeyboardInterrupt:
        return 0


def _once(ctx: Context, run: Callable[[Context], int], root: Path) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    try:
        code = run(ctx)
    except StreamtError as exc:
        render.diagnostics(exc.diagnostics, root=root)
        code = exc.exit_code
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    result = "ok" if code == 0 else f"exit {code}"
    render.echo(f"[watch] {result} in {wall:.3f} s (cpu {used:.3f} s); Ctrl-C stops")
    sys.stdout.flush()


def files(root: Path, skip: Path | None) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every file a run reads: the project's YAML, SQL and `.env`
    files (`snapshot`), `schemas.lock` and the user-function jars (as the result cache's key,
    `streamt.load.fingerprint`)."""
    from streamt.docs.serve import snapshot

    found = snapshot(root, skip)
    for path in (root / "schemas.lock", *root.glob("*.jar"), *root.glob("*/*.jar")):
        try:
            stat = path.stat()
        except OSError:
            continue
        found[str(path.relative_to(root))] = (stat.st_mtime_ns, stat.st_size)
    return found


def _wait(
    root: Path, skip: Path | None, seen: dict[str, tuple[int, int]]
) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """The next look at the files that differs from `seen`, and the files that changed."""
    while True:
        started = time.perf_counter()
        now = files(root, skip)
        if now != seen:
            changed = {k for k in now.keys() | seen.keys() if now.get(k) != seen.get(k)}
            return now, changed
        time.sleep(max(INTERVAL, 10 * (time.perf_counter() - started)))
