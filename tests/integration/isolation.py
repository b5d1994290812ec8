"""Runs that share no history: an example project copied for one test run, with names of its
own. Its model topics, Flink jobs and consumer groups get an environment prefix unique to the
run (`environments/it<run>.yml`, `--env it<run>`), its source topics a unique suffix, and its
ledger entries live under that environment, so nothing an earlier (or a parallel) run left in
Kafka, Flink, Connect or the ledger is read. The environment also points the copy's `runtime:`
at this run's stack (`tests/stack.py`: the sections the example declares, every section for
one that declares none), so the example's own file, with the default stack's addresses the
README uses, stays as it is. The models and their SQL are the example's, as written."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.stack import endpoints, runtime_overlay

from .test_apply_support import destroy


@dataclass(frozen=True)
class Isolated:
    path: Path  # the copy to apply
    run: str  # this run's id
    project: str
    env: str  # its environment: `--env`, and the ledger's key
    prefix: str  # before every topic, job and group name streamt makes for it
    sources: Mapping[str, str]  # the example's source topic -> this run's

    def topic(self, model_topic: str) -> str:
        """The run's name of a topic the example's models write."""
        return f"{self.prefix}{model_topic}"

    def table(self, sink: str) -> str:
        """The run's name of the table a JDBC sink model writes (`compile/envelope.sink_table`)."""
        return self.prefix.replace("-", "_").replace(".", "_") + sink

    def source(self, topic: str) -> str:
        """The run's name of one of the example's source topics."""
        return self.sources[topic]

    @property
    def cli(self) -> list[str]:
        return ["-p", str(self.path), "--env", self.env]


def isolated_copy(example: Path, into: Path, rename: Mapping[str, str] | None = None) -> Isolated:
    """Copy `example` into `into` with this run's names; `rename` replaces further text, with
    `{run}` in a replacement standing for the run's id."""
    from streamt.context import Context

    run = uuid.uuid4().hex[:8]
    copy = into / f"{example.name}-{run}"
    shutil.copytree(example, copy)
    project = Context(copy).project()
    yml = copy / "stream_project.yml"
    text = yml.read_text()
    sources = {s.topic: f"{s.topic}.{run}" for s in project.sources}
    for old, new in sources.items():
        pattern = rf"(?m)^(\s+topic:\s*){re.escape(old)}\s*$"
        text, found = re.subn(pattern, lambda m, new=new: m[1] + new, text)
        assert found == 1, f"source topic {old} is not one `topic: {old}` line"
    for old, new in (rename or {}).items():
        assert old in text, old
        text = text.replace(old, new.format(run=run))
    yml.write_text(text)
    env = f"it{run}"
    overlay = {
        "environment": {"prefix": f"{env}-"},
        "runtime": runtime_overlay(yaml.safe_load(text).get("runtime")),
    }
    (copy / "environments").mkdir(exist_ok=True)
    (copy / "environments" / f"{env}.yml").write_text(yaml.safe_dump(overlay, sort_keys=False))
    return Isolated(copy, run, project.name, env, f"{env}-", sources)


@contextmanager
def deployed_copy(
    example: Path, into: Path, bootstrap: str | None = None, **kw: Mapping[str, str]
) -> Iterator[Isolated]:
    """An isolated copy whose source topics exist; afterwards everything it deployed is
    destroyed (frees the Flink slots) and its source topics are deleted."""
    from confluent_kafka.admin import AdminClient, NewTopic

    iso = isolated_copy(example, into, **kw)
    admin = AdminClient({"bootstrap.servers": bootstrap or endpoints().kafka_bootstrap})
    created = admin.create_topics([NewTopic(t, 1, 1) for t in iso.sources.values()])
    for future in created.values():
        future.result(timeout=15)
    try:
        yield iso
    finally:
        destroy(iso.project, iso.env)
        for future in admin.delete_topics(list(iso.sources.values())).values():
            future.result(timeout=15)
