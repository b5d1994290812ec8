"""Global options after the command name: `streamt validate -v` is `streamt -v validate`.

Kept apart from `cli/logs.py` so that `streamt --version` imports no logging.
"""

from __future__ import annotations

FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose", "--debug", "--no-color"})
VALUED = frozenset({"--log-level", "--log-format"})


def hoist(args: list[str]) -> list[str]:
    """`args` with the global options (and their values) moved before the command name."""
    front: list[str] = []
    rest: list[str] = []
    items = iter(args)
    for arg in items:
        if arg == "--":
            rest.extend([arg, *items])
            break
        name = arg.partition("=")[0]
        if arg in FLAGS or (name in VALUED and "=" in arg):
            front.append(arg)
        elif arg in VALUED:
            front.extend([arg, *[v for v in [next(items, None)] if v is not None]])
        else:
            rest.append(arg)
    return front + rest
