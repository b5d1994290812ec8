"""A Flink SQL job: the one value compile emits, `manifest.json` / `plan.json` and the ledger
serialise, plan diffs and the Flink adapter submits (`JobSpec`).

Its data fingerprint is the compiler's (canonical statements + job config + user-function
jars: a change upgrades the job), its metadata fingerprint the model's description, owner and
tags (never restarts anything). Three fields are not serialised: `node` and `name` (the
model, or envelope, the job is named after) are named once by the change / ledger entry
holding the value and given back to it when read; `changelog` is compile's fact about the
sink table (`upsert-kafka` with a PRIMARY KEY, or append-only `kafka`), which the statements
already say and which nothing deploys: a value read back from a plan or the ledger has None, and two values
equal otherwise are equal.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from streamt.resources.fingerprint import digest
from streamt.resources.value import NodeField, ResourceValue, sorted_config


class ChangelogMode(str, enum.Enum):
    APPEND = "append"  # insert-only: `kafka` connector
    UPSERT = "upsert"  # updates by key: `upsert-kafka` with PRIMARY KEY


@dataclass(frozen=True)
class JobSpec(ResourceValue):
    pipeline_name: str  # stable id derived from project + model: how the running job is found
    statements: tuple[str, ...]  # the job script in order: SET ..., CREATE ..., INSERT INTO ...
    config: Mapping[str, str] = field(default_factory=dict)  # job-scoped SET options, sorted
    query: str = ""  # the canonical query (after regeneration), shown in plan diffs
    sink_topic: str = ""
    source_topics: tuple[str, ...] = ()
    data_fingerprint: str = ""  # compile's; else digest of statements + config
    metadata_fingerprint: str = ""
    name: Annotated[str, Field(exclude=True)] = ""
    node: NodeField = ""
    changelog: Annotated[ChangelogMode | None, Field(exclude=True)] = field(
        default=None, compare=False
    )
    type: Literal["flink_job"] = "flink_job"
    not_serialised: ClassVar[frozenset[str]] = frozenset({"node", "name", "changelog"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", sorted_config(self.config))
        if not self.data_fingerprint:
            fp = digest([list(self.statements), dict(self.config)])
            object.__setattr__(self, "data_fingerprint", fp)

    @property
    def script(self) -> str:
        return "\n\n".join(s.rstrip().rstrip(";") + ";" for s in self.statements) + "\n"
