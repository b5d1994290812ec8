"""on_failure actions, taken after a test fails: alert, dlq, pause_model, block_deploy.

* `alert` POSTs Slack-compatible JSON `{"text": ...}` (plus `channel` when set) to the webhook;
  `${VAR}` in the URL is resolved in memory and only the URL's host is ever reported.
* `dlq` is compiled into the continuous job (violating records go to the DLQ topic with
  `streamt-test` / `streamt-reason` headers); here it is only reported.
* `pause_model` stops the model's running Flink job with a savepoint (found by pipeline name).
* `block_deploy` marks the result as blocking (see `results.blocking_failures`).
Failures of an action are reported in `actions_taken`, never raised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from streamt.adapters.protocols import AdapterError
from streamt.config.env import resolve
from streamt.testing.env import TestEnv
from streamt.testing.results import TestResult
from streamt.testing.spec import (
    AlertAction,
    BlockDeployAction,
    DlqAction,
    ParsedTest,
    PauseModelAction,
)


def apply_actions(
    spec: ParsedTest,
    result: TestResult,
    env: TestEnv,
    model_jobs: Mapping[str, str],
    dlq_topic: str | None = None,
    take: bool = True,
) -> TestResult:
    """`result` with `blocking`, `severity` and (when it failed and `take`) the actions taken."""
    blocking = any(isinstance(a, BlockDeployAction) for a in spec.actions)
    result = dataclasses.replace(
        result, blocking=blocking, severity=spec.severity, location=spec.location
    )
    if not result.failed or not take:
        return result
    taken: list[str] = []
    for action in spec.actions:
        if isinstance(action, AlertAction):
            taken.append(send_alert(action, result, env))
        elif isinstance(action, PauseModelAction):
            taken.append(pause_model(action.model or spec.target, env, model_jobs))
        elif isinstance(action, DlqAction):
            taken.append(f"dlq: violating records are routed to topic '{dlq_topic}'")
        elif isinstance(action, BlockDeployAction):
            taken.append("block_deploy: apply will refuse to deploy while this test fails")
    return dataclasses.replace(result, actions_taken=tuple(taken))


def alert_text(result: TestResult) -> str:
    lines = [
        f":rotating_light: streamt data test *{result.name}* ({result.type} on `{result.target}`) failed: {result.message}"
    ]
    lines += [f"• {o.assertion}: {o.message}" for o in result.outcomes if not o.passed]
    if result.diff:
        lines.append("```" + result.diff + "```")
    return "\n".join(lines)


def send_alert(action: AlertAction, result: TestResult, env: TestEnv) -> str:
    try:
        url = resolve(action.url, env.environ)
    except KeyError as exc:
        return f"alert NOT sent: environment variable {exc.args[0]} is not set"
    host = urlsplit(url).netloc.rsplit("@", 1)[-1] or "?"
    body: dict[str, str] = {"text": alert_text(result)}
    if action.channel:
        body["channel"] = action.channel
    try:
        status = env.post(url, body)
    except httpx.HTTPError as exc:
        return f"alert NOT sent to {host}: {type(exc).__name__}"
    if status >= 300:
        return f"alert NOT accepted by {host}: HTTP {status}"
    return f"alert sent to {host} (HTTP {status})"


def pause_model(model: str, env: TestEnv, model_jobs: Mapping[str, str]) -> str:
    name = model_jobs.get(model)
    if env.flink is None or name is None:
        return f"pause_model NOT done: no Flink job known for model '{model}'"
    try:
        running = [j for j in env.flink.list_jobs() if j.name == name and j.state == "RUNNING"]
        if not running:
            return f"pause_model: model '{model}' has no running job"
        paths = [env.flink.stop_with_savepoint(j.job_id) for j in running]
    except AdapterError as exc:
        return f"pause_model NOT done for '{model}': {exc}"
    return f"paused model '{model}' (job {running[0].job_id}) with savepoint {paths[0]}"
