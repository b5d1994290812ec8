"""Delivery guarantees of model jobs (`advanced.flink.delivery`, `defaults.models.delivery`).

An exactly-once job writes its topic in Kafka transactions that commit when a checkpoint
completes, so it needs exactly-once checkpoints (V210) and a checkpoint interval well inside
the transaction timeout (V211: a transaction the broker aborts loses its rows). A model without
SQL runs no job: its `delivery` is a warning (V212). Checkpointing
itself is always on: every job gets `execution.checkpointing.interval` (10 s by default). Pure.
"""

from __future__ import annotations

from streamt.compile.jobs import DEFAULT_CHECKPOINT_MS, TRANSACTION_TIMEOUT_MS
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.durations import format_ms, parse_duration_ms
from streamt.load.model import Model, Project

_INTERVAL = "execution.checkpointing.interval"
_MODE = "execution.checkpointing.mode"


def check_delivery(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for model in project.models:
        if model.sql is None and model.advanced.flink.delivery is not None:
            out.append(_no_job(model))
        if project.delivery_of(model) != "exactly_once" or model.sql is None:
            continue
        out += _mode(project, model)
        out += _interval(project, model)
    return out


def _no_job(model: Model) -> Diagnostic:
    return Diagnostic(
        "V212",
        f"model '{model.name}' sets advanced.flink.delivery but has no SQL, so no Flink job "
        "writes its topic: the setting does nothing",
        severity=Severity.WARNING,
        location=model.where("advanced.flink.delivery"),
        hint="set delivery on the model whose job writes the topic this one reads (a sink "
        "connector reading an exactly_once topic reads committed rows by itself)",
    )


def _origin(project: Project, model: Model) -> str:
    if model.advanced.flink.delivery is not None:
        return "advanced.flink.delivery"
    return "defaults.models.delivery"


def _where(model: Model, key: str) -> Location:
    return model.where(f"advanced.flink.config.{key}")


def _mode(project: Project, model: Model) -> list[Diagnostic]:
    mode = str(model.advanced.flink.config.get(_MODE, "")).strip().upper().replace("-", "_")
    if mode in ("", "EXACTLY_ONCE"):
        return []
    return [
        Diagnostic(
            "V210",
            f"model '{model.name}' is exactly_once ({_origin(project, model)}) but its "
            f"checkpoints are {mode}: after a failure its state would count records again that "
            "its committed output already holds",
            location=_where(model, _MODE),
            hint=f"remove {_MODE} (streamt checkpoints exactly once), or set "
            "delivery: at_least_once",
        )
    ]


def _interval(project: Project, model: Model) -> list[Diagnostic]:
    flink = model.advanced.flink
    written = flink.config.get(_INTERVAL)
    where = _where(model, _INTERVAL)
    interval = _flink_duration_ms(written) if written is not None else None
    if written is not None and interval is None:
        return []  # not a duration streamt reads: Flink judges it
    if interval is not None and interval <= 0:
        return [
            Diagnostic(
                "V210",
                f"model '{model.name}' is exactly_once ({_origin(project, model)}) but "
                f"{_INTERVAL} '{written}' turns checkpointing off: its transactions would never "
                "commit and readers would never see a row",
                location=where,
                hint=f"remove {_INTERVAL} or give a positive duration such as '10 s'",
            )
        ]
    if interval is None:
        interval = flink.checkpoint_interval_ms or DEFAULT_CHECKPOINT_MS
        where = model.where("advanced.flink.checkpoint_interval_ms")
    if interval * 2 <= TRANSACTION_TIMEOUT_MS:
        return []
    return [
        Diagnostic(
            "V211",
            f"model '{model.name}' is exactly_once with a checkpoint interval of "
            f"{format_ms(interval)}: its Kafka transactions stay open that long, and the "
            f"transaction timeout is {format_ms(TRANSACTION_TIMEOUT_MS)} (Kafka's default "
            "transaction.max.timeout.ms); a transaction the broker aborts loses its rows",
            location=where,
            hint=f"checkpoint at most every {format_ms(TRANSACTION_TIMEOUT_MS // 2)} so a "
            "restart fits in the timeout",
        )
    ]


def _flink_duration_ms(text: object) -> int | None:
    """A Flink duration option ('10 s', '2 min', '500': milliseconds; 0 or below: off); None
    if unreadable."""
    value = str(text).strip().lower()
    if value.lstrip("-").isdigit():
        return int(value)
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz ")
    if number and number.strip("0.") == "":
        return 0
    try:
        return parse_duration_ms(value)
    except ValueError:
        return None
