"""Environment overlays: `environments/<env>.yml` (name, description, protected, prefix, runtime, safety).

Only the shape lives here; `streamt.load` reads the file and applies the overlay (today: the
overlay's `runtime:` replaces the project's). Selection precedence (`--env` > `STREAMT_ENV`) is
the caller's business: this room never reads `os.environ`.
"""

from __future__ import annotations

from pydantic import Field

from streamt.config.runtime import Declared, RuntimeConfig


class EnvironmentInfo(Declared):
    name: str | None = None  # when set, must equal the file stem
    description: str | None = None
    protected: bool = False  # apply asks for confirmation
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]*$")  # before topic/job names


class SafetyConfig(Declared):
    confirm_apply: bool | None = None  # default: value of `protected`
    allow_destructive: bool = False


class EnvironmentConfig(Declared):
    environment: EnvironmentInfo = EnvironmentInfo()
    runtime: RuntimeConfig | None = None
    safety: SafetyConfig = SafetyConfig()
