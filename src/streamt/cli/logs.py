"""The global options and where log records go.

`-q/--quiet`, `-v/--verbose`, `--debug`, `--log-level LEVEL`, `--log-format text|json` and
`--no-color` belong to the `streamt` group and are accepted before or after the command name
(`cli/argv.hoist` moves them in front). Log records of the `streamt` loggers (librdkafka's lines
included, `streamt.librdkafka`) reach stderr only when asked: `-v` INFO, `--debug` DEBUG,
`--log-level` any level; by default the console shows diagnostics, never log lines. Every run
that names a project also keeps a DEBUG log in `<project>/target/streamt.log` (appended,
created on the first record). Both pass through `streamt.redact`.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FILE = Path("target") / "streamt.log"


@dataclass
class Settings:
    quiet: bool = False
    verbose: bool = False
    color: bool = True
    log_format: str = "text"


SETTINGS = Settings()
_HANDLERS: list[logging.Handler] = []
ROOT = logging.getLogger("streamt")


def configure(
    quiet: bool, verbose: bool, debug: bool, level: str | None, log_format: str, color: bool
) -> None:
    """Apply the global options for this run (`reset` undoes it)."""
    global SETTINGS
    SETTINGS = Settings(quiet, verbose, color, log_format)
    console = level or ("DEBUG" if debug else "INFO" if verbose else None)
    if console is not None and not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(console)
        _add(handler)


def log_to(project_dir: Path) -> None:
    """Keep this run's DEBUG log in `<project_dir>/target/streamt.log`."""
    if any(isinstance(h, _ProjectLog) for h in _HANDLERS):
        return
    handler = _ProjectLog(project_dir / LOG_FILE)
    handler.setLevel(logging.DEBUG)
    _add(handler)


def reset() -> None:
    global SETTINGS
    SETTINGS = Settings()
    for handler in _HANDLERS:
        ROOT.removeHandler(handler)
        handler.close()
    _HANDLERS.clear()
    ROOT.setLevel(logging.NOTSET)


def _add(handler: logging.Handler) -> None:
    handler.setFormatter(_Formatter(SETTINGS.log_format))
    ROOT.addHandler(handler)
    _HANDLERS.append(handler)
    ROOT.setLevel(min(h.level for h in _HANDLERS))


class _ProjectLog(logging.FileHandler):
    """A file handler that creates its folder and file only when a record arrives."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)

    def _open(self):  # type: ignore[no-untyped-def]
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


class _Formatter(logging.Formatter):
    def __init__(self, kind: str) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.kind = kind

    def format(self, record: logging.LogRecord) -> str:
        from streamt.redact import redact

        if self.kind == "json":
            text = json.dumps(
                {
                    "time": self.formatTime(record),
                    "level": record.levelname,
                    "logger": record.name,
                    "message": record.getMessage(),
                }
            )
        else:
            text = super().format(record)
        return redact(text)
