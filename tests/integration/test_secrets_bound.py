"""Issue 10, class 1 on the real stack: a secret holding a quote, a double quote and a backslash is
bound as a value. A project's Flink option and its sink connector's password are `${IT_SECRET}`;
its model's SQL compares with the literal '${HOME}'. Apply (through the real SQL Gateway and
Connect) must start the job from statements whose option holds exactly the secret, Connect must
hold exactly the secret, the literal must stay a literal (the row equal to $HOME passes the
filter), and the artifacts, the plan and the ledger show only `${IT_SECRET}`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from sqlglot import exp

from streamt.apply.step import ApplyOptions
from streamt.artifacts.plan_file import plan_to_json
from streamt.context import Context
from streamt.sql.dialect import parse
from streamt.state import KafkaLedgerStore, systems_from_runtime
from tests.kafka_helpers import produce_json
from tests.stack import endpoints, runtime_yaml

from .test_apply_support import destroy, ensure_source_topics, read_all, wait_for_slots

pytestmark = pytest.mark.integration

PROJECT = """\
project: {{name: {name}}}
sources:
  - name: raw
    topic: {name}.raw
    columns: [{{name: id, type: STRING}}, {{name: note, type: STRING}}]
models:
  - name: {model}
    sql: |
      SELECT id, note FROM {{{{ source("raw") }}}}
      WHERE note <> '${{HOME}}'
    advanced:
      flink:
        config:
          streamt.it.secret-key: ${{IT_SECRET}}
  - name: {model}_file
    from: {model}
    advanced:
      connector:
        type: org.apache.kafka.connect.file.FileStreamSinkConnector
        config:
          file: {out}
          connection.password: ${{IT_SECRET}}
"""


class SpyFlink:
    """The real Flink client; records what apply submits."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.submitted: list[tuple[list[str], dict[str, str]]] = []

    def submit(
        self, statements: Sequence[str], config: Mapping[str, str], waits: object = None
    ) -> str:
        self.submitted.append((list(statements), dict(config)))
        return self.inner.submit(statements, config, waits)  # type: ignore[attr-defined,no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _set_value(statement: str) -> tuple[str, str] | None:
    tree = parse(statement)
    if not isinstance(tree, exp.Set):
        return None
    item = tree.expressions[0].this
    return item.this.name, item.expression.name


def test_secret_with_quotes_is_applied_as_exactly_that_value(local_stack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:8]
    name, model = f"sec-{suffix}", f"kept_{suffix}"
    secret = f'it\'s a "secret" \\{uuid.uuid4().hex[:6]}'
    home = f"/home/it-{uuid.uuid4().hex[:6]}"
    environ = {"IT_SECRET": secret, "HOME": home}
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(name=name, model=model, out=tmp_path / "out.txt") + runtime_yaml(local_stack)
    )
    ensure_source_topics(tmp_path)
    ctx = Context(tmp_path, environ=environ, dotenv=False)
    project = ctx.project()
    systems = systems_from_runtime(project.runtime, environ)
    spy = SpyFlink(systems.flink)
    systems.flink = spy  # type: ignore[assignment]
    produce_json(
        endpoints().kafka_bootstrap,
        f"{name}.raw",
        [{"id": "1", "note": "a"}, {"id": "2", "note": home}],
    )
    try:
        ctx.systems = systems
        plan = ctx.plan()
        wait_for_slots(2)
        report = ctx.apply(plan, ApplyOptions(environ=environ, job_stable_s=3.0))
        assert report.ok, [(r.change.address, r.message) for r in report.failed]

        # the job runs from statements whose option value is exactly the secret
        [statements] = [s for s, c in spy.submitted if c["pipeline.name"].endswith(model)]
        assert ("streamt.it.secret-key", secret) in [_set_value(s) for s in statements]
        # the model's '${HOME}' is a literal: the row whose note is $HOME is not filtered out
        got = sorted(
            (
                json.dumps(v, sort_keys=True)
                for _, v in read_all(endpoints().kafka_bootstrap, model, expect=2)
            )
        )
        assert got == [
            json.dumps(r, sort_keys=True)
            for r in ({"id": "1", "note": "a"}, {"id": "2", "note": home})
        ]

        # Connect holds exactly the secret
        assert systems.connect is not None
        [conn] = [c for c in systems.connect.list_connectors() if c.name == f"{model}_file"]
        assert conn.config["connection.password"] == secret

        # artifacts, plan and ledger: the reference, never the value
        written = ctx.write_artifacts(ctx.compile(), tmp_path / "target")
        texts = [p.read_text() for p in written if p.is_file()]
        ledger = KafkaLedgerStore(endpoints().kafka_bootstrap, {})
        records = [r.value.decode() for r in ledger.read() if r.value and name in r.key]
        for text in [*texts, plan_to_json(plan), *records]:
            assert secret not in text and json.dumps(secret)[1:-1] not in text
        assert any("${IT_SECRET}" in t for t in texts) and "${IT_SECRET}" in plan_to_json(plan)
        assert any("${IT_SECRET}" in r for r in records)
    finally:
        destroy(name, "default")
