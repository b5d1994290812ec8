"""V038: a topic whose `min.insync.replicas` is above its replication factor accepts no
`acks=all` write; validate refuses it where the value was written."""

from pathlib import Path

from streamt.diagnostics import Location
from tests.unit.validate.helpers import check

PROJECT = """
project: {name: p}
defaults:
  topic: {replication_factor: 2, min_insync_replicas: 2}
models:
  - name: equal
    sql: SELECT 1
  - name: above
    sql: SELECT 1
    advanced:
      topic: {replication_factor: 1}
  - name: own
    sql: SELECT 1
    advanced:
      topic: {replication_factor: 3, min_insync_replicas: 4}
  - name: via_config
    sql: SELECT 1
    advanced:
      topic: {replication_factor: 1, min_insync_replicas: 1, config: {min.insync.replicas: "1"}}
"""


def test_each_topic_above_its_replication_factor_is_refused_where_it_was_written(
    tmp_path: Path,
) -> None:
    found = [d for d in check(tmp_path, PROJECT) if d.code == "V038"]
    assert [(d.node, d.severity.value) for d in found] == [
        ("model.p.above", "error"),
        ("model.p.own", "error"),
    ]
    above, own = found
    assert above.message == (
        "topic above: min.insync.replicas 2 (from defaults.topic.min_insync_replicas) is above "
        "its replication factor 1; Kafka would refuse every write with acks=all, so the job "
        "writing it could never commit a row"
    )
    assert above.location == Location("stream_project.yml", 3, 34)  # the default's key
    assert own.location == Location("stream_project.yml", 14, 38)
    assert own.hint == "set min_insync_replicas to at most 3, or raise replication_factor"


def test_a_value_from_config_is_checked_too(tmp_path: Path) -> None:
    text = PROJECT.replace('min.insync.replicas: "1"', 'min.insync.replicas: "5"').replace(
        "min_insync_replicas: 1, ", ""
    )
    found = {d.node: d for d in check(tmp_path, text) if d.code == "V038"}
    assert sorted(found) == ["model.p.above", "model.p.own", "model.p.via_config"]
    diag = found["model.p.via_config"]
    assert "min.insync.replicas 5 (from advanced.topic.config)" in diag.message
    assert diag.location.line == 18
