"""The closed vocabularies every room shares: which kind of resource, which action on it."""

from __future__ import annotations

import enum


class Action(str, enum.Enum):
    CREATE = "create"  # the resource does not exist
    UPDATE = "update"  # change in place: topic config, partition increase, connector config, schema version
    UPGRADE = "upgrade"  # Flink job: stop with savepoint, resubmit from it
    REPLACE = "replace"  # destroy and recreate (a job restarted without its state)
    DELETE = "delete"  # removed from the project and owned by streamt
    ADOPT = "adopt"  # exists and matches; record it in the ledger without touching it
    NOOP = "noop"  # nothing to do
    REFUSED = "refused"  # a change streamt will not make (partition decrease, failed job, ...)


class ResourceKind(str, enum.Enum):
    SUBJECT = "subject"
    TOPIC = "topic"
    JOB = "flink_job"
    TEST_JOB = "test_job"  # a continuous test's Flink job (a `JobSpec` named after the test)
    CONNECTOR = "connector"
    GATEWAY_RULE = "gateway_rule"


KIND_ORDER: tuple[ResourceKind, ...] = tuple(ResourceKind)
