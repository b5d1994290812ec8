"""What an environment resolves to (`streamt envs show ENV`): the project's settings with the
overlay merged in, as plain JSON-ready data, secrets masked.

A `${VAR}` reference is shown as written (it is a name, not the value); any other text in a
credential field (by key: password, secret, token, jaas, ...) and the user-info of a URL are
masked, so the output can be pasted into a ticket.
"""

from __future__ import annotations

from typing import Any

from streamt.config.checks import is_secret_key, literal_secret, url_userinfo
from streamt.load.model import Project

MASK = "***"


def resolved_configuration(project: Project) -> dict[str, Any]:
    env = project.environment_config
    info = env.environment if env else None
    models = {
        m.name: advanced
        for m in project.models
        if (advanced := m.advanced.model_dump(mode="json", exclude_defaults=True))
    }
    data = {
        "project": project.name,
        "environment": project.environment,
        "description": info.description if info else None,
        "protected": bool(info and info.protected),
        "requires_name": bool(env and env.requires_name),
        "allow_destructive": bool(env and env.safety.allow_destructive),
        "name_prefix": project.name_prefix,
        "runtime": project.runtime.model_dump(mode="json", exclude_none=True),
        "defaults": project.defaults.model_dump(mode="json", exclude_defaults=True),
        "rules": project.rules.model_dump(mode="json", exclude_defaults=True),
        "models": models,
    }
    masked: dict[str, Any] = _mask(data, "")
    return masked


def _mask(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, key) for v in value]
    if not isinstance(value, str):
        return value
    return MASK if url_userinfo(value) or (is_secret_key(key) and literal_secret(value)) else value
