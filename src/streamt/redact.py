"""The one redaction every output of streamt goes through.

`redact(text)` masks the user-info of every URL (`scheme://user:password@host` ->
`scheme://***@host`) and every secret value this process has bound (`remember_secrets`), in
any text: the CLI's stdout and stderr (text and JSON, rich or plain: the CLI wraps both streams
in `RedactingStream`), log records, the crash file, JUnit reports and the ledger's error
messages. Secrets are the values of `${VAR}` references in credential fields (by key or by
variable name) and of environment variables whose name says secret (`secret_names`); a value
shorter than `MIN_SECRET` characters is not searched for (it would mask unrelated text), nor
is it one a user could be asked to keep secret.

Process-wide by design: a secret is known where it is bound (the context resolving its
environment) and must be masked wherever text leaves the process, whatever room wrote it.
No I/O.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from typing import TextIO

MASK = "***"
MIN_SECRET = 4
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9_+.-]*://)(?P<userinfo>[^\s/?#@]+@)+")
_SENSITIVE_NAME = re.compile(
    r"(password|passwd|secret|token|credential|jaas|api[._-]?key|private[._-]?key|"
    r"access[._-]?key|auth|user[._-]?info|webhook|_pass$|_pwd$)",
    re.IGNORECASE,
)

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()  # longest first
_pattern: re.Pattern[str] | None = None


def is_secret_name(name: str) -> bool:
    """A key or variable name that says its value is a credential."""
    return bool(_SENSITIVE_NAME.search(name))


def remember_secrets(values: Iterable[str]) -> None:
    """Mask these values in every later `redact` (empty and short values are ignored)."""
    global _secrets, _pattern
    with _lock:
        found = {f for v in values if len(v) >= MIN_SECRET for f in _forms(v)} | set(_secrets)
        if found == set(_secrets):
            return
        _secrets = tuple(sorted(found, key=lambda v: (-len(v), v)))
        _pattern = re.compile("|".join(re.escape(v) for v in _secrets))


def _forms(value: str) -> set[str]:
    """The value as written raw, inside JSON, in a Python repr and percent-encoded."""
    from urllib.parse import quote

    return {value, json.dumps(value)[1:-1], repr(value)[1:-1], quote(value, safe="")}


def forget_secrets() -> None:
    """Drop every remembered value (tests)."""
    global _secrets, _pattern
    with _lock:
        _secrets, _pattern = (), None


def secret_names(environ: Iterable[str]) -> list[str]:
    return [name for name in environ if is_secret_name(name)]


def redact_url(url: str) -> str:
    """`url` without its user-info."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", url)


def redact(text: str) -> str:
    """`text` with URL user-info and every remembered secret masked."""
    if "@" in text:
        text = redact_url(text)
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return text


class RedactingStream:
    """A text stream that redacts what is written to it. It has no `buffer`, so nothing (click,
    rich) can write around it."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self.encoding = getattr(inner, "encoding", "utf-8")
        self.errors = getattr(inner, "errors", "strict")

    def write(self, text: str) -> int:
        self.inner.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return bool(getattr(self.inner, "closed", False))
