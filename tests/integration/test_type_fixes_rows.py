"""Rows on the stack for the expressions whose compiled types or SQL the mutation work changed:
`TRIM(BOTH c FROM s)` (was generated as `TRIM(s, c)`), the common type of COALESCE / CASE over
DECIMAL and INT (DECIMAL(12, 2), not DECIMAL(10, 2)) and GREATEST over INTs. Expected values are
written by hand from the SQL's meaning."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from tests.kafka_helpers import consume_json, produce_json
from tests.stack import runtime_yaml

from .test_apply_support import destroy, ensure_source_topics, wait_for_slots

ROOT = Path(__file__).resolve().parents[2]

PROJECT = """\
project: {{name: {project}}}
sources:
  - name: src
    topic: {topic}
    columns:
      - {{name: id, type: INT}}
      - {{name: s, type: STRING}}
      - {{name: price, type: "DECIMAL(10, 2)"}}
      - {{name: n, type: INT}}
models:
  - name: {model}
    sql: |
      SELECT id,
             TRIM(BOTH 'x' FROM s) AS t,
             COALESCE(price, 1) AS p,
             GREATEST(n, 2) AS g,
             CASE WHEN n > 1 THEN price ELSE 0.5 END AS c
      FROM {{{{ source("src") }}}}
"""


def test_trim_both_and_common_decimal_types_give_the_right_rows(local_stack, tmp_path):  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"tf-{tag}", f"tf_src_{tag}", f"tf_{tag}"
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(project=project, topic=topic, model=model) + runtime_yaml(local_stack)
    )
    ensure_source_topics(tmp_path, local_stack.kafka_bootstrap)
    wait_for_slots(1)
    try:
        applied = subprocess.run(
            [sys.executable, "-m", "streamt", "apply", "-p", str(tmp_path), "--auto-approve"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        produce_json(
            local_stack.kafka_bootstrap,
            topic,
            [
                {"id": 1, "s": "xxabcxx", "price": 12.5, "n": 3},
                {"id": 2, "s": "xyx", "price": None, "n": 1},
                {"id": 3, "s": "plain", "price": 99999999.99, "n": None},
            ],
        )
        out = consume_json(local_stack.kafka_bootstrap, model, 3, timeout=90)
        assert sorted(out, key=lambda r: r["id"]) == [
            {"id": 1, "t": "abc", "p": 12.5, "g": 3, "c": 12.5},
            {"id": 2, "t": "y", "p": 1.0, "g": 2, "c": 0.5},
            {"id": 3, "t": "plain", "p": 99999999.99, "g": None, "c": 0.5},
        ]
    finally:
        destroy(project, "default")
