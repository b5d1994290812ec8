"""V210 / V211: an exactly_once model needs exactly-once checkpoints that commit its Kafka
transactions well inside their timeout; at_least_once models are not concerned."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.validate.helpers import check

PROJECT = """
project: {{name: p}}
sources:
  - name: s
    topic: s
    columns: [{{name: k, type: STRING}}]
models:
  - name: m
    sql: SELECT k, COUNT(*) AS c FROM {{{{ source("s") }}}} GROUP BY k
    advanced:
      flink:
        delivery: {delivery}
{flink}
"""


def _codes(tmp_path: Path, flink: str, delivery: str = "exactly_once") -> list[tuple[str, int]]:
    text = PROJECT.format(flink=flink, delivery=delivery)
    return [(d.code, d.location.line) for d in check(tmp_path, text) if d.code in ("V210", "V211")]


@pytest.mark.parametrize(
    "flink",
    [
        "        config: {execution.checkpointing.mode: AT_LEAST_ONCE}",
        "        config: {execution.checkpointing.mode: at-least-once}",
        "        config: {execution.checkpointing.interval: '0'}",
        "        config: {execution.checkpointing.interval: '0 s'}",
        "        config: {execution.checkpointing.interval: '-1'}",
    ],
)
def test_exactly_once_without_exactly_once_checkpoints_is_refused_where_written(
    tmp_path: Path, flink: str
) -> None:
    assert _codes(tmp_path, flink) == [("V210", 12)]
    assert _codes(tmp_path, flink, delivery="at_least_once") == []


@pytest.mark.parametrize(
    ("flink", "line"),
    [
        ("        checkpoint_interval_ms: 600000", 12),
        ("        config: {execution.checkpointing.interval: '10 min'}", 12),
    ],
)
def test_a_checkpoint_interval_the_transaction_timeout_cannot_hold_is_refused(
    tmp_path: Path, flink: str, line: int
) -> None:
    assert _codes(tmp_path, flink) == [("V211", line)]
    assert _codes(tmp_path, flink, delivery="at_least_once") == []


@pytest.mark.parametrize(
    "flink",
    [
        "",
        "        checkpoint_interval_ms: 2000",
        "        checkpoint_interval_ms: 450000",
        "        config: {execution.checkpointing.interval: '30 s', "
        "execution.checkpointing.mode: EXACTLY_ONCE}",
    ],
)
def test_exactly_once_with_usable_checkpoints_passes(tmp_path: Path, flink: str) -> None:
    assert _codes(tmp_path, flink) == []


def test_the_project_default_is_checked_too(tmp_path: Path) -> None:
    text = PROJECT.format(
        flink="        config: {execution.checkpointing.mode: AT_LEAST_ONCE}",
        delivery="null",
    ).replace(
        "project: {name: p}", "project: {name: p}\ndefaults: {models: {delivery: exactly_once}}"
    )
    found = [d for d in check(tmp_path, text) if d.code == "V210"]
    assert len(found) == 1
    assert "defaults.models.delivery" in found[0].message


def test_delivery_on_a_model_without_a_job_is_a_warning(tmp_path: Path) -> None:
    text = PROJECT.format(flink="", delivery="exactly_once") + (
        "  - name: to_file\n"
        "    from: [{ref: m}]\n"
        "    advanced:\n"
        "      connector: {type: file-sink, config: {file: /tmp/x}}\n"
        "      flink:\n"
        "        delivery: exactly_once\n"
    )
    found = [d for d in check(tmp_path, text) if d.code == "V212"]
    assert [(d.severity.value, d.location.line) for d in found] == [("warning", 18)]
    assert "to_file" in found[0].message
