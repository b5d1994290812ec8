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
    name: str | None = Field(
        default=None,
        description="the environment's name; when set, the file's stem",
        examples=["prod"],
    )  # when set, must equal the file stem
    description: str | None = Field(
        default=None, description="what the environment is", examples=["Production"]
    )
    protected: bool = Field(
        default=False,
        description="apply and destroy need the environment's name typed (or --confirm-env)",
        examples=[True],
    )  # apply and destroy require the environment's name
    prefix: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-]*$",
        description="prepended to every topic, job and connector name in this environment",
        examples=["prod-"],
    )  # before topic/job names
    # a template (`environments/pr.yml`): never selected itself; `--env pr-<id>` derives an
    # environment from it whose prefix is the template's prefix + `pr-<id>-`
    template: bool = Field(
        default=False,
        description="a template: never selected itself; --env <name>-<id> derives an environment "
        "from it, prefixed <prefix><name>-<id>-",
        examples=[True],
    )


class SafetyConfig(Declared):
    # apply and destroy need the environment's name (typed, or --confirm-env), even with
    # --auto-approve; default: the value of `protected`
    confirm_apply: bool | None = Field(
        default=None,
        description="apply and destroy need the environment's name (default: protected)",
        examples=[True],
    )
    allow_destructive: bool = Field(
        default=False,
        description="destructive changes are allowed without --allow-destructive",
        examples=[False],
    )


class EnvironmentConfig(Declared):
    environment: EnvironmentInfo = Field(
        default=EnvironmentInfo(),
        description="the environment's name, description, protection and prefix",
        examples=[{"protected": True, "prefix": "prod-"}],
    )
    safety: SafetyConfig = Field(
        default=SafetyConfig(),
        description="confirmation and destructive-change settings",
        examples=[{"confirm_apply": True}],
    )

    @property
    def requires_name(self) -> bool:
        """Whether changing this environment needs its name (`cli/confirm.py`)."""
        confirm = self.safety.confirm_apply
        return self.environment.protected if confirm is None else confirm
