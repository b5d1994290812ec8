"""Environment overlays: `environments/<env>.yml` (name, description, protected, prefix, safety).

Only the shape of the environment's own keys lives here; `streamt.load` reads the file and
merges its other keys (runtime, defaults, rules, project, node patches) over the project
(`load/overlay.py`). Selection precedence (`--env` > `STREAMT_ENV`) is
the caller's business: this room never reads `os.environ`.
"""

from __future__ import annotations

from pydantic import Field

from streamt.config.runtime import Declared


class EnvironmentInfo(Declared):
    name: str | None = None  # when set, must equal the file stem
    description: str | None = None
    protected: bool = False  # apply and destroy require the environment's name
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]*$")  # before topic/job names


class SafetyConfig(Declared):
    # apply and destroy need the environment's name (typed, or --confirm-env), even with
    # --auto-approve; default: the value of `protected`
    confirm_apply: bool | None = None
    allow_destructive: bool = False


class EnvironmentConfig(Declared):
    environment: EnvironmentInfo = EnvironmentInfo()
    safety: SafetyConfig = SafetyConfig()

    @property
    def requires_name(self) -> bool:
        """Whether changing this environment needs its name (`cli/confirm.py`)."""
        confirm = self.safety.confirm_apply
        return self.environment.protected if confirm is None else confirm
