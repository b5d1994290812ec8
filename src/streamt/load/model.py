"""The project model: typed, frozen nodes for everything a streamt project can declare.

Contract: `streamt.load` builds these from YAML (strictly: unknown keys are errors) and every
later room reads them. Nodes never change after loading. Each top-level node carries
`location` (where its YAML entry starts) and `spans` (dotted key path relative to the node, e.g.
`"advanced.topic.partitions"` or `"columns.2.type"`, -> where that key's value is written); use
`node.where(path)` to get the best location for a diagnostic. Field names are a stable API.

Shapes accepted besides the seed README's (upstream users already have them):
`from:` as a string, a list of names or a list of `{source:}` / `{ref:}`; `ml_outputs` flat
(`{Model: {col: TYPE}}`) or `{Model: {columns: [...]}}`; a sink as `advanced.connector`,
`advanced.sink`, top-level `connector` or top-level `sink`; `checkpoint_interval` or
`checkpoint_interval_ms`. `from:`, `ml_outputs` and `checkpoint_interval` are normalised here
so consumers see one form; the four sink spellings are kept as written and read through
`Model.sink_connector` (`advanced.connector` wins).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SkipValidation, model_validator
from pydantic.json_schema import SkipJsonSchema

from streamt.config.environments import EnvironmentConfig
from streamt.config.runtime import Declared, RuntimeConfig, Str, StrMap
from streamt.diagnostics import Location
from streamt.load.assertions import AssertionEntry

# ----------------------------------------------------------------------------- base


class Located(Declared):
    """A top-level node with its YAML location and per-key spans (set by the loader)."""

    location: SkipJsonSchema[SkipValidation[Location]] = Field(default_factory=Location)
    spans: SkipJsonSchema[SkipValidation[Mapping[str, Location]]] = Field(
        default_factory=dict, repr=False
    )

    def where(self, path: str = "") -> Location:
        """Location of `path` (dotted), else of its closest written parent, else of the node."""
        while path:
            hit = self.spans.get(path)
            if hit is not None:
                return hit
            path = path.rpartition(".")[0]
        return self.location


_T = TypeVar("_T", bound=BaseModel)


def _shared(cls: type[_T]) -> Callable[[], _T]:
    """A default factory returning one shared (frozen, so safe) instance, built on first use.

    Pydantic deep-copies model defaults for every object; sharing keeps loading 1000 models cheap.
    """
    cache: list[_T] = []

    def factory() -> _T:
        if not cache:
            cache.append(cls())
        return cache[0]

    return factory


LOADER_FIELDS = frozenset({"location", "spans"})  # set by the loader, never read from YAML


def _tuple_of_str(value: object) -> object:
    """`tags: x` / `key: a` written as one string -> a one-element tuple."""
    if isinstance(value, str):
        return (value,)
    return value


StrTuple = Annotated[
    tuple[str, ...], BeforeValidator(_tuple_of_str, json_schema_input_type=str | list[str])
]

# ----------------------------------------------------------------------------- shared pieces

# What the systems accept (bigger numbers would pass into artifacts and fail at apply):
JAVA_LONG = 2**63 - 1  # Flink durations and Kafka timestamps (ms)
KAFKA_MAX_PARTITIONS = 2**31 - 1  # CreateTopics: int32
KAFKA_MAX_REPLICATION = 2**15 - 1  # CreateTopics: int16
FLINK_MAX_PARALLELISM = 2**15  # Flink's upper bound for (max) parallelism


class Classification(str, enum.Enum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SENSITIVE = "sensitive"
    HIGHLY_SENSITIVE = "highly_sensitive"

    @property
    def is_sensitive(self) -> bool:
        return self in (Classification.SENSITIVE, Classification.HIGHLY_SENSITIVE)


class DeclaredColumn(Declared):
    # a column as the project declares it (`streamt.sql.Column` is one with its resolved type);
    # the JSON Schema keeps calling it Column
    model_config = ConfigDict(extra="forbid", frozen=True, title="Column")

    name: str = Field(description="the column's name", examples=["order_id"])
    type: str | None = Field(
        default=None,
        description="its Flink SQL type; left out: inferred from the readers",
        examples=["DECIMAL(10, 2)"],
    )  # Flink SQL type, e.g. STRING, DOUBLE, TIMESTAMP(3); None = infer
    description: str | None = Field(
        default=None,
        description="what the column holds (shown in the docs site)",
        examples=["amount in the order's currency"],
    )
    classification: Classification | None = Field(
        default=None,
        description="data classification, read by the security rules and masking",
        examples=["confidential"],
    )
    proctime: bool = Field(
        default=False,
        description="a computed `AS PROCTIME()` column (processing time)",
        examples=[True],
    )  # a computed `AS PROCTIME()` column
    nullable: bool = Field(
        default=True, description="false adds NOT NULL to the column", examples=[False]
    )


class Watermark(Declared):
    strategy: Literal["bounded_out_of_orderness", "monotonously_increasing"] = Field(
        default="bounded_out_of_orderness",
        description="how the watermark follows the event time",
        examples=["bounded_out_of_orderness"],
    )
    max_out_of_orderness_ms: int = Field(
        default=5000,
        ge=0,
        le=JAVA_LONG,
        description="how late (ms) a record may arrive and still count in its window",
        examples=[5000],
    )
    # after this long without records a partition stops holding the watermark back;
    # None = the project default (defaults.event_time.watermark), 0 = never idle
    idle_timeout_ms: int | None = Field(
        default=None,
        ge=0,
        le=JAVA_LONG,
        description="a partition without records for this long (ms) stops holding the watermark back",
        examples=[30000],
    )


class EventTime(Declared):
    column: str = Field(
        description="the column holding the event time (TIMESTAMP(3) or TIMESTAMP_LTZ(3))",
        examples=["created_at"],
    )
    watermark: Watermark = Field(
        default_factory=_shared(Watermark),
        description="the watermark over that column",
        examples=[{"max_out_of_orderness_ms": 5000}],
    )
    allowed_lateness_ms: int | None = Field(
        default=None,
        ge=0,
        le=JAVA_LONG,
        description="records later than the watermark by up to this (ms) still update results",
        examples=[60000],
    )


class TopicOptions(Declared):
    """A topic's settings (`advanced.topic`, `defaults.topic`); None = not set here."""

    name: str | None = Field(
        default=None,
        description="the topic's name (default: the model's name after the prefix)",
        examples=["orders.clean.v1"],
    )
    partitions: int | None = Field(
        default=None,
        ge=1,
        le=KAFKA_MAX_PARTITIONS,
        description="number of partitions",
        examples=[6],
    )
    replication_factor: int | None = Field(
        default=None,
        ge=1,
        le=KAFKA_MAX_REPLICATION,
        description="copies of each partition",
        examples=[3],
    )
    # the topic's `min.insync.replicas` config (wins over that key in `config` of the same layer)
    min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        le=KAFKA_MAX_REPLICATION,
        description="replicas that must acknowledge an acks=all write",
        examples=[2],
    )
    config: StrMap = Field(
        default_factory=dict,
        description="other topic configuration, passed to Kafka",
        examples=[{"retention.ms": "604800000", "cleanup.policy": "delete"}],
    )


# ----------------------------------------------------------------------------- project header


NAME_PREFIX = r"^[A-Za-z0-9._-]*$"  # characters Kafka allows in a topic name


class ProjectInfo(Declared):
    name: str = Field(
        description="the project's name: every node id and the ledger derive from it",
        examples=["payments"],
    )
    version: Str = Field(
        default="0.0.0", description="the project's version (documentation)", examples=["1.2.0"]
    )
    description: str | None = Field(
        default=None,
        description="what the project does (shown in the docs site)",
        examples=["Payments pipeline: raw events to EUR totals"],
    )
    # prepended to every topic streamt creates and to job (consumer group) names
    prefix: str | None = Field(
        default=None,
        pattern=NAME_PREFIX,
        description="prepended to every topic, job and connector name",
        examples=["pay."],
    )
    default_environment: str | None = Field(
        default=None,
        description="The environment (environments/<name>.yml) used when neither --env nor "
        "STREAMT_ENV selects one, as dbt's profile `target:`. Without it, a project with an "
        "environments/ folder must be given one (L100).",
        examples=["dev"],
    )


Delivery = Literal["exactly_once", "at_least_once"]  # how a model's job writes its topic


class ModelDefaults(Declared):
    cluster: str | None = Field(
        default=None,
        description="the Flink cluster models run on, a key of runtime.flink.clusters",
        examples=["main"],
    )
    delivery: Delivery = Field(
        default="at_least_once",
        description="the delivery of every model's job that does not set advanced.flink.delivery",
        examples=["exactly_once"],
    )
    topic: TopicOptions = Field(
        default_factory=_shared(TopicOptions),
        description="topic options for every model's topic",
        examples=[{"partitions": 6}],
    )


class TestDefaults(Declared):
    flink_cluster: str | None = Field(
        default=None,
        description="the Flink cluster continuous and unit tests run on",
        examples=["main"],
    )
    sample_size: int | None = Field(
        default=None, ge=1, description="records a sample test reads by default", examples=[100]
    )


BadRecordPolicy = Literal["fail", "skip", "dead_letter"]  # what a job does with a bad record


class SourceDefaults(Declared):
    on_bad_record: BadRecordPolicy = Field(
        default="fail",
        description="what jobs do with a record a source cannot decode, unless the source says",
        examples=["skip"],
    )


class WatermarkDefaults(Declared):
    idle_timeout_ms: int | None = Field(
        default=None,
        ge=0,
        le=JAVA_LONG,
        description="an input partition without records for this long (ms) stops holding the "
        "watermark back; 0 or none: never",
        examples=[30000],
    )


class EventTimeDefaults(Declared):
    watermark: WatermarkDefaults = Field(
        default_factory=_shared(WatermarkDefaults),
        description="watermark defaults for every event_time",
        examples=[{"idle_timeout_ms": 30000}],
    )


class Defaults(Declared):
    topic: TopicOptions = Field(
        default_factory=_shared(TopicOptions),
        description="options for every topic streamt creates",
        examples=[{"replication_factor": 3}],
    )
    sources: SourceDefaults = Field(
        default_factory=_shared(SourceDefaults),
        description="defaults of every source",
        examples=[{"on_bad_record": "fail"}],
    )
    event_time: EventTimeDefaults = Field(
        default_factory=_shared(EventTimeDefaults),
        description="defaults of every event_time",
        examples=[{"watermark": {"idle_timeout_ms": 30000}}],
    )
    models: ModelDefaults = Field(
        default_factory=_shared(ModelDefaults),
        description="defaults of every model",
        examples=[{"cluster": "main"}],
    )
    tests: TestDefaults = Field(
        default_factory=_shared(TestDefaults),
        description="defaults of every data test",
        examples=[{"sample_size": 500}],
    )


class TopicRules(Declared):
    min_partitions: int | None = Field(
        default=None, description="a topic with fewer partitions is an error (V030)", examples=[3]
    )
    max_partitions: int | None = Field(
        default=None, description="a topic with more partitions is an error (V031)", examples=[64]
    )
    min_replication_factor: int | None = Field(
        default=None,
        description="a topic with a lower replication factor is an error (V032)",
        examples=[3],
    )
    max_replication_factor: int | None = Field(
        default=None,
        description="a topic with a higher replication factor is an error (V033)",
        examples=[5],
    )
    required_config: tuple[str, ...] = Field(
        default=(),
        description="topic config keys every topic must set (V034)",
        examples=[["retention.ms"]],
    )
    naming_pattern: str | None = Field(
        default=None,
        description="RE2 pattern every topic name must match (V035)",
        examples=["^[a-z_]+\\.v[0-9]+$"],
    )  # a Python regex matched against the topic name
    forbidden_prefixes: StrTuple = Field(
        default=(),
        description="topic name prefixes that are refused (V036)",
        examples=[["tmp", "test"]],
    )
    forbidden_suffixes: StrTuple = Field(
        default=(), description="topic name suffixes that are refused (V037)", examples=[[".tmp"]]
    )


class ModelRules(Declared):
    require_description: bool = Field(
        default=False, description="every model needs a description (V040)", examples=[True]
    )
    require_owner: bool = Field(
        default=False, description="every model needs an owner (V041)", examples=[True]
    )
    require_tests: bool = Field(
        default=False, description="every model needs a data test (V042)", examples=[True]
    )
    max_dependencies: int | None = Field(
        default=None, ge=0, description="most inputs a model may read (V043)", examples=[5]
    )
    naming_pattern: str | None = Field(
        default=None,
        description="RE2 pattern every model name must match (V044)",
        examples=["^[a-z][a-z0-9_]*$"],
    )


class SourceRules(Declared):
    require_schema: bool = Field(
        default=False, description="every source needs a schema or columns (V050)", examples=[True]
    )
    require_freshness: bool = Field(
        default=False, description="every source needs freshness limits (V051)", examples=[True]
    )
    require_description: bool = Field(
        default=False, description="every source needs a description (V052)", examples=[True]
    )
    require_owner: bool = Field(
        default=False, description="every source needs an owner (V053)", examples=[True]
    )


class SecurityRules(Declared):
    require_classification: bool = Field(
        default=False,
        description="every declared column needs a classification (V060)",
        examples=[True],
    )
    sensitive_columns_require_masking: bool = Field(
        default=False,
        description="a sensitive source column must be masked by its readers (V061)",
        examples=[True],
    )


class Rules(Declared):
    topics: TopicRules = Field(
        default_factory=_shared(TopicRules),
        description="governance rules on topics",
        examples=[{"min_partitions": 3}],
    )
    models: ModelRules = Field(
        default_factory=_shared(ModelRules),
        description="governance rules on models",
        examples=[{"require_owner": True}],
    )
    sources: SourceRules = Field(
        default_factory=_shared(SourceRules),
        description="governance rules on sources",
        examples=[{"require_description": True}],
    )
    security: SecurityRules = Field(
        default_factory=_shared(SecurityRules),
        description="governance rules on classification and masking",
        examples=[{"require_classification": True}],
    )


# ----------------------------------------------------------------------------- sources


class SchemaFormat(str, enum.Enum):
    AVRO = "avro"
    JSON = "json"
    PROTOBUF = "protobuf"


class SchemaDef(Declared):
    format: SchemaFormat = Field(
        default=SchemaFormat.AVRO, description="the schema's language", examples=["avro"]
    )
    definition: str | None = Field(
        default=None,
        description="the schema itself (an Avro record or a JSON Schema object), as text",
        examples=[
            '{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}'
        ],
    )  # inline schema text (Avro / JSON Schema / .proto)
    subject: str | None = Field(
        default=None,
        description="the registry subject (default: <topic>-value)",
        examples=["orders.v1-value"],
    )  # default "<topic>-value"
    registry: str | None = Field(
        default=None,
        description="the Schema Registry URL, if not runtime.schema_registry",
        examples=["http://registry:8081"],
    )
    compatibility: str | None = Field(
        default=None, description="the subject's compatibility level", examples=["BACKWARD"]
    )  # BACKWARD | FORWARD | FULL | NONE | ..._TRANSITIVE


PayloadFormat = Literal[
    "json",
    "avro",
    "avro-confluent",
    "debezium-json",
    "debezium-avro-confluent",
    "canal-json",
    "maxwell-json",
    "protobuf",
    "protobuf-confluent",
    "raw",
    "csv",
]

StartupMode = Literal[
    "earliest-offset", "latest-offset", "group-offsets", "timestamp", "specific-offsets"
]

_STARTUP_ALIASES = {"earliest": "earliest-offset", "latest": "latest-offset"}


def _startup(value: object) -> object:
    return _STARTUP_ALIASES.get(value, value) if isinstance(value, str) else value


class FreshnessLimits(Declared):
    # how stale a source's or exposure's data may get (`load.assertions.Freshness` is the
    # data test); the JSON Schema keeps calling it Freshness
    model_config = ConfigDict(extra="forbid", frozen=True, title="Freshness")

    max_lag_seconds: int | None = Field(
        default=None,
        ge=0,
        description="the data may be at most this many seconds old",
        examples=[300],
    )
    warn_after_seconds: int | None = Field(
        default=None, ge=0, description="older than this (s): a warning", examples=[600]
    )
    error_after_seconds: int | None = Field(
        default=None, ge=0, description="older than this (s): a failure", examples=[3600]
    )


class Source(Located):
    name: str = Field(
        description="the source's name, read with {{ source('name') }}", examples=["orders"]
    )
    topic: str = Field(description="the Kafka topic it reads", examples=["orders.v1"])
    description: str | None = Field(
        default=None,
        description="what the topic holds (shown in the docs site)",
        examples=["Orders as the shop emits them"],
    )
    owner: str | None = Field(
        default=None, description="who owns the topic", examples=["team-checkout"]
    )
    tags: StrTuple = Field(
        default=(),
        description="labels for selection (--select tag:x) and the docs",
        examples=[["finance"]],
    )
    cluster: str | None = Field(
        default=None,
        description="the Kafka cluster, when the project has several",
        examples=["main"],
    )
    schema_: SchemaDef | None = Field(
        default=None,
        alias="schema",
        description="the records' schema, instead of columns",
        examples=[{"format": "avro", "subject": "orders.v1-value"}],
    )
    format: PayloadFormat | None = Field(
        default=None, description="how record values are encoded", examples=["json"]
    )
    columns: tuple[DeclaredColumn, ...] = Field(
        default=(),
        description="the record's columns; left out: inferred from the readers",
        examples=[[{"name": "id", "type": "STRING"}, {"name": "amount", "type": "DOUBLE"}]],
    )
    key: StrTuple = Field(
        default=(), description="the columns stored in the record key", examples=[["id"]]
    )  # key fields (message key columns)
    event_time: EventTime | None = Field(
        default=None,
        description="the event-time column and its watermark (needed by windows)",
        examples=[{"column": "created_at", "watermark": {"max_out_of_orderness_ms": 5000}}],
    )
    freshness: FreshnessLimits | None = Field(
        default=None,
        description="how stale the topic may get (streamt test)",
        examples=[{"max_lag_seconds": 300}],
    )
    startup_mode: (
        Annotated[
            StartupMode,
            BeforeValidator(
                _startup, json_schema_input_type=StartupMode | Literal["earliest", "latest"]
            ),
        ]
        | None
    ) = Field(default=None, description="where jobs reading it start", examples=["earliest-offset"])
    startup_timestamp_ms: int | None = Field(
        default=None,
        ge=0,
        le=JAVA_LONG,
        description="with startup_mode timestamp: the first record time (epoch ms)",
        examples=[1767225600000],
    )
    on_bad_record: BadRecordPolicy | None = Field(
        default=None,
        description="what jobs do with a record that cannot be decoded: stop, skip it, or route it to a side topic",
        examples=["dead_letter"],
    )  # None = defaults.sources.on_bad_record


# ----------------------------------------------------------------------------- models


class Materialized(str, enum.Enum):
    """Explicit `materialized:` override (same words as `streamt.compile.specs.Materialization`)."""

    TOPIC = "topic"
    FLINK = "flink"
    VIRTUAL_TOPIC = "virtual_topic"
    SINK = "sink"


class FromRef(Declared):
    """One declared input: `kind` "source", "ref" (a model) or "auto" (a bare name)."""

    kind: Literal["source", "ref", "auto"]
    name: str


RefsInput = str | list[str | dict[Literal["source", "ref"], str]]
"""How `from:` / `consumes:` ... may be written (for the JSON Schema)."""


def _from_refs(value: object) -> object:
    """Accept `from: x`, `from: [x, y]`, `from: [{ref: x}, {source: y}]`."""
    if value is None:
        return ()
    items = [value] if isinstance(value, (str, dict)) else value
    if not isinstance(items, (list, tuple)):
        return value
    out: list[object] = []
    for item in items:
        if isinstance(item, str):
            out.append({"kind": "auto", "name": item})
        elif isinstance(item, dict) and len(item) == 1:
            ((k, v),) = item.items()
            if k not in ("source", "ref"):
                raise ValueError(f"expected {{source: NAME}} or {{ref: NAME}}, got key '{k}'")
            out.append({"kind": k, "name": v})
        else:
            out.append(item)
    return tuple(out)


def _checkpoint_alias_schema(schema: dict[str, Any]) -> None:
    props = schema.setdefault("properties", {})
    props["checkpoint_interval"] = {
        "type": "integer",
        "description": "checkpoint_interval_ms as the seed README spells it (ms)",
        "examples": [60000],
    }


class FlinkOptions(Declared):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra=_checkpoint_alias_schema,
    )

    parallelism: int | None = Field(
        default=None,
        ge=1,
        le=FLINK_MAX_PARALLELISM,
        description="the job's parallelism",
        examples=[4],
    )
    checkpoint_interval_ms: int | None = Field(
        default=None,
        ge=1,
        le=JAVA_LONG,
        description="checkpoint every this many ms",
        examples=[60000],
    )
    state_ttl_ms: int | None = Field(
        default=None,
        le=JAVA_LONG,
        description="state unused for this long (ms) is dropped",
        examples=[86400000],
    )  # > 0: checked by validate
    state_backend: str | None = Field(
        default=None, description="the state backend", examples=["rocksdb"]
    )
    cluster: str | None = Field(
        default=None,
        description="the Flink cluster, a key of runtime.flink.clusters",
        examples=["main"],
    )
    delivery: Delivery | None = Field(
        default=None,
        description="how the job writes its topic: exactly_once (Kafka transactions committed "
        "at each checkpoint; readers read committed rows only) or at_least_once (a restart "
        "may write rows again); default: defaults.models.delivery, else at_least_once",
        examples=["exactly_once"],
    )
    # any Flink option for this job only (`SET` in its script), applied after the ones above;
    # streamt's own keys (pipeline.name, the restore path) are refused by `streamt validate`
    config: StrMap = Field(
        default_factory=dict,
        description="other Flink configuration for the job",
        examples=[{"table.exec.mini-batch.enabled": "true"}],
    )

    @model_validator(mode="before")
    @classmethod
    def _alias_checkpoint(cls, data: Any) -> Any:
        if isinstance(data, dict) and "checkpoint_interval" in data:
            data = dict(data)
            value = data.pop("checkpoint_interval")
            if "checkpoint_interval_ms" in data:
                raise ValueError("set checkpoint_interval or checkpoint_interval_ms, not both")
            data["checkpoint_interval_ms"] = value
        return data


class Connector(Declared):
    """A Kafka Connect sink: `type` is an alias (jdbc-sink, ...) or a connector class."""

    type: str = Field(
        description="the connector: a short name (jdbc, s3, ...) or a connector class",
        examples=["jdbc"],
    )
    config: StrMap = Field(
        default_factory=dict,
        description="the connector's configuration; ${VAR} for secrets",
        examples=[
            {
                "connection.url": "jdbc:postgresql://db:5432/shop",
                "connection.password": "${PG_PASSWORD}",
            }
        ],
    )


class SinkDef(Declared):
    """Upstream spelling `sink: {connector: jdbc-sink, config: {...}}`."""

    connector: str = Field(
        description="the connector: a short name or a connector class", examples=["jdbc"]
    )
    config: StrMap = Field(
        default_factory=dict,
        description="the connector's configuration",
        examples=[{"connection.url": "jdbc:postgresql://db:5432/shop"}],
    )


class Advanced(Declared):
    flink: FlinkOptions = Field(
        default_factory=_shared(FlinkOptions),
        description="Flink options of the model's job",
        examples=[{"parallelism": 4}],
    )
    topic: TopicOptions = Field(
        default_factory=_shared(TopicOptions),
        description="options of the model's topic",
        examples=[{"partitions": 12}],
    )
    connector: Connector | None = Field(
        default=None,
        description="a sink model's Kafka Connect connector",
        examples=[{"type": "jdbc", "config": {"connection.url": "jdbc:postgresql://db:5432/shop"}}],
    )
    sink: SinkDef | None = Field(
        default=None,
        description="a sink connector (alternative spelling of connector)",
        examples=[{"connector": "jdbc"}],
    )
    flink_cluster: str | None = Field(
        default=None,
        description="the Flink cluster, a key of runtime.flink.clusters",
        examples=["main"],
    )
    connect_cluster: str | None = Field(
        default=None,
        description="the Connect cluster, a key of runtime.connect.clusters",
        examples=["main"],
    )


class MaskPolicy(Declared):
    column: str = Field(description="the column masked", examples=["email"])
    method: Literal["hash", "redact", "null", "partial", "tokenize"] = Field(
        default="hash", description="how it is masked", examples=["hash"]
    )
    for_roles: StrTuple = Field(
        default=(),
        description="the roles that see it masked (with Conduktor Gateway); empty: everyone",
        examples=[["analyst"]],
    )


class AccessPolicy(Declared):
    roles: StrTuple = Field(default=(), description="the roles concerned", examples=[["analyst"]])
    columns: StrTuple = Field(
        default=(), description="the columns concerned", examples=[["email", "phone"]]
    )
    where: str | None = Field(
        default=None, description="a row filter (SQL predicate)", examples=["region = 'EU'"]
    )


class Policy(Declared):
    """Exactly one of `mask`, `allow`, `deny`."""

    mask: MaskPolicy | None = Field(
        default=None, description="mask a column", examples=[{"column": "email", "method": "hash"}]
    )
    allow: AccessPolicy | None = Field(
        default=None,
        description="allow roles to read columns / rows",
        examples=[{"roles": ["finance"], "columns": ["amount"]}],
    )
    deny: AccessPolicy | None = Field(
        default=None,
        description="deny roles columns / rows",
        examples=[{"roles": ["analyst"], "columns": ["ssn"]}],
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Policy:
        if sum(p is not None for p in (self.mask, self.allow, self.deny)) != 1:
            raise ValueError("a policy has exactly one of: mask, allow, deny")
        return self


class Security(Declared):
    classification: Mapping[str, Classification] = Field(
        default_factory=dict,
        description="classification per output column",
        examples=[{"email": "sensitive"}],
    )
    policies: tuple[Policy, ...] = Field(
        default=(),
        description="masking and access policies",
        examples=[[{"mask": {"column": "email"}}]],
    )


class MlOutput(Declared):
    columns: tuple[DeclaredColumn, ...] = Field(
        description="the columns the ML model returns",
        examples=[[{"name": "score", "type": "DOUBLE"}]],
    )
    description: str | None = Field(
        default=None,
        description="what the ML model predicts",
        examples=["fraud score between 0 and 1"],
    )


def _ml_outputs(value: object) -> object:
    """Flat form `{Model: {col: TYPE}}` -> `{Model: {columns: [{name, type}]}}`."""
    if not isinstance(value, dict):
        return value
    out: dict[object, object] = {}
    for model, body in value.items():
        if isinstance(body, dict) and "columns" not in body:
            body = {"columns": [{"name": k, "type": v} for k, v in body.items()]}
        out[model] = body
    return out


class VirtualTopic(Declared):
    name: str | None = Field(
        default=None, description="the virtual topic's name on the Gateway", examples=["orders.eu"]
    )
    compression: str | None = Field(
        default=None, description="the compression of the records served", examples=["lz4"]
    )


class GatewayOptions(Declared):
    virtual_topic: VirtualTopic | None = Field(
        default=None,
        description="serve the model as a Conduktor Gateway virtual topic",
        examples=[{"name": "orders.eu"}],
    )


class Model(Located):
    name: str = Field(
        description="the model's name, read with {{ ref('name') }}; also its topic's default name",
        examples=["orders_clean"],
    )
    sql: str | None = Field(
        default=None,
        description="the model's query, one SELECT with {{ source() }} / {{ ref() }}",
        examples=["SELECT id, amount FROM {{ source('orders') }} WHERE amount > 0"],
    )
    from_: Annotated[
        tuple[FromRef, ...], BeforeValidator(_from_refs, json_schema_input_type=RefsInput)
    ] = Field(
        default=(),
        alias="from",
        description="the inputs of a model without SQL (a sink): names or {source:} / {ref:}",
        examples=[[{"ref": "orders_clean"}]],
    )
    key: StrTuple = Field(
        default=(),
        description="the output's primary key (upsert-kafka), when it updates",
        examples=[["customer_id"]],
    )
    description: str | None = Field(
        default=None,
        description="what the model computes (shown in the docs site)",
        examples=["Orders with a positive amount"],
    )
    owner: str | None = Field(
        default=None, description="who owns the model", examples=["team-payments"]
    )
    tags: StrTuple = Field(
        default=(),
        description="labels for selection (--select tag:x) and the docs",
        examples=[["finance"]],
    )
    materialized: Materialized | None = Field(
        default=None,
        description="how it runs; left out: inferred from the query",
        examples=["flink"],
    )
    columns: tuple[DeclaredColumn, ...] = Field(
        default=(),
        description="documentation (description, classification) of output columns",
        examples=[[{"name": "amount", "description": "EUR"}]],
    )
    event_time: EventTime | None = Field(
        default=None,
        description="the output's event-time column and watermark",
        examples=[{"column": "window_end"}],
    )
    security: Security = Field(
        default_factory=_shared(Security),
        description="classification and masking of its output",
        examples=[{"policies": [{"mask": {"column": "email"}}]}],
    )
    ml_outputs: Annotated[
        Mapping[str, MlOutput],
        BeforeValidator(_ml_outputs, json_schema_input_type=dict[str, MlOutput | dict[str, str]]),
    ] = Field(
        default_factory=dict,
        description="the output columns of ML models it calls (ML_PREDICT)",
        examples=[{"fraud_model": {"columns": [{"name": "score", "type": "DOUBLE"}]}}],
    )
    access: Literal["private", "protected", "public"] = Field(
        default="protected",
        description="who may read it: private (its group), protected, public",
        examples=["protected"],
    )
    group: str | None = Field(
        default=None, description="its group, for access: private", examples=["finance"]
    )
    version: int | None = Field(
        default=None, description="the model's contract version (documentation)", examples=[2]
    )
    advanced: Advanced = Field(
        default_factory=_shared(Advanced),
        description="topic, Flink and connector options",
        examples=[{"topic": {"partitions": 6}, "flink": {"parallelism": 2}}],
    )
    connector: Connector | None = Field(
        default=None,
        description="a sink's connector (alternative to advanced.connector)",
        examples=[{"type": "jdbc"}],
    )  # upstream top-level spelling
    sink: SinkDef | None = Field(
        default=None,
        description="a sink's connector (alternative to advanced.sink)",
        examples=[{"connector": "jdbc"}],
    )  # upstream top-level spelling
    gateway: GatewayOptions | None = Field(
        default=None,
        description="Conduktor Gateway options",
        examples=[{"virtual_topic": {"name": "orders.eu"}}],
    )
    on_bad_record: BadRecordPolicy | None = Field(
        default=None,
        description="what its job does with a record of its input it cannot decode",
        examples=["skip"],
    )  # for the topics of the models it reads
    # Where the first character of `sql` is (in the YAML file or a .sql file), and the column
    # offset of its continuation lines (a YAML block scalar's indentation; 0 in a .sql file).
    # Set by the loader.
    sql_location: SkipJsonSchema[SkipValidation[Location]] = Field(default_factory=Location)
    sql_indent: SkipJsonSchema[SkipValidation[int]] = 0

    @property
    def sink_connector(self) -> Connector | None:
        """The sink connector however it was spelled (advanced.connector wins)."""
        for conn in (self.advanced.connector, self.connector):
            if conn is not None:
                return conn
        for sink in (self.advanced.sink, self.sink):
            if sink is not None:
                return Connector(type=sink.connector, config=sink.config)
        return None

    @property
    def topic_name(self) -> str:
        """The output topic: `advanced.topic.name`, else the model name."""
        return self.advanced.topic.name or self.name

    def sql_position(self, line: int, column: int) -> Location:
        """Map a 1-based (line, column) inside `sql` to the file position."""
        base = self.sql_location
        if not base.file:
            return self.where("sql")
        if line <= 1:
            return Location(base.file, base.line, base.column + max(column, 1) - 1)
        return Location(base.file, base.line + line - 1, self.sql_indent + max(column, 1))


LOADER_FIELDS_MODEL = LOADER_FIELDS | {"sql_location", "sql_indent"}

# ----------------------------------------------------------------------------- tests


class TestType(str, enum.Enum):
    SCHEMA = "schema"
    SAMPLE = "sample"
    CONTINUOUS = "continuous"
    UNIT = "unit"


def _actions(value: object) -> object:
    """`- pause_model` (a bare action name) means `- pause_model: {}`."""
    if isinstance(value, (list, tuple)):
        return tuple({item: {}} if isinstance(item, str) else item for item in value)
    return value


class OnFailure(Declared):
    severity: Literal["error", "warning"] = Field(
        default="error", description="warning: a failing test only reports", examples=["warning"]
    )
    actions: Annotated[
        tuple[Mapping[str, Any], ...],
        BeforeValidator(_actions, json_schema_input_type=list[str | dict[str, Any]]),
    ] = Field(
        default=(),
        description="what happens when it fails: alert, dlq, pause_model, block_deploy",
        examples=[["block_deploy", {"alert": {"url": "${SLACK_WEBHOOK}"}}]],
    )

    @model_validator(mode="before")
    @classmethod
    def _list_form(cls, value: object) -> object:
        """The upstream list form `on_failure: [- alert: ...]` is `{actions: [...]}`."""
        return {"actions": value} if isinstance(value, (list, tuple)) else value


class DataTest(Located):
    __test__ = False  # not a pytest class

    name: str = Field(description="the test's name", examples=["orders_valid"])
    model: str = Field(description="the model or source it checks", examples=["orders_clean"])
    type: TestType = Field(
        description="schema (columns), sample (records), continuous (a Flink job) or unit (SQL on given rows)",
        examples=["sample"],
    )
    description: str | None = Field(
        default=None,
        description="what the test guards",
        examples=["every order has an id and a positive amount"],
    )
    sample_size: int | None = Field(
        default=None, ge=1, description="records a sample test reads", examples=[1000]
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, description="how long a sample test waits for records", examples=[30]
    )
    flink_cluster: str | None = Field(
        default=None, description="the Flink cluster it runs on", examples=["main"]
    )
    # `- kind: {parameters}`; bad ones are T001-T005 at load (`streamt.load.assertions`)
    assertions: tuple[AssertionEntry, ...] = Field(
        default=(),
        description="the checks",
        examples=[[{"not_null": {"columns": ["id"]}}, {"range": {"column": "amount", "min": 0}}]],
    )
    on_failure: OnFailure | None = Field(
        default=None,
        description="what happens when it fails",
        examples=[{"severity": "error", "actions": ["block_deploy"]}],
    )
    given: tuple[Mapping[str, Any], ...] = Field(
        default=(),
        description="unit tests: input rows per source / ref",
        examples=[[{"input": "orders", "rows": [{"id": "a", "amount": 5.0}]}]],
    )  # unit tests: input rows per source/ref
    expect: Mapping[str, Any] | None = Field(
        default=None,
        description="unit tests: the rows the model must produce",
        examples=[{"rows": [{"id": "a", "amount": 5.0}]}],
    )  # unit tests: expected output rows


# ----------------------------------------------------------------------------- exposures


class ExposureRef(Declared):
    kind: Literal["source", "ref", "auto"]
    name: str


class Sla(Declared):
    availability: Str | None = Field(
        default=None, description="availability target", examples=["99.9%"]
    )
    max_produce_latency_ms: int | None = Field(
        default=None, description="producer latency target (ms)", examples=[100]
    )
    max_end_to_end_latency_ms: int | None = Field(
        default=None, description="end-to-end latency target (ms)", examples=[5000]
    )
    max_lag_messages: int | None = Field(
        default=None, description="consumer lag target (messages)", examples=[10000]
    )
    max_error_rate: float | None = Field(
        default=None, description="error rate target (0..1)", examples=[0.001]
    )
    max_lag_minutes: float | None = Field(
        default=None, description="consumer lag target (minutes)", examples=[5]
    )


_Refs = Annotated[
    tuple[ExposureRef, ...], BeforeValidator(_from_refs, json_schema_input_type=RefsInput)
]


class Exposure(Located):
    name: str = Field(description="the exposure's name", examples=["fraud_dashboard"])
    type: Literal["application", "dashboard", "ml_training", "ml_inference", "api", "notebook"] = (
        Field(description="what it is", examples=["dashboard"])
    )
    role: Literal["producer", "consumer", "both"] = Field(
        default="consumer", description="whether it reads, writes or both", examples=["consumer"]
    )
    description: str | None = Field(
        default=None,
        description="what it does with the data",
        examples=["Live fraud alerts for the risk team"],
    )
    owner: str | None = Field(default=None, description="who owns it", examples=["team-risk"])
    tags: StrTuple = Field(
        default=(), description="labels for selection and the docs", examples=[["risk"]]
    )
    url: str | None = Field(
        default=None,
        description="where to find it",
        examples=["https://grafana.example.com/d/fraud"],
    )
    repo: str | None = Field(
        default=None,
        description="its source repository",
        examples=["https://github.com/acme/fraud-app"],
    )
    language: str | None = Field(
        default=None, description="its implementation language", examples=["python"]
    )
    tool: str | None = Field(
        default=None, description="the tool it is built with", examples=["grafana"]
    )
    consumer_group: str | None = Field(
        default=None, description="its Kafka consumer group", examples=["fraud-dashboard"]
    )
    consumes: _Refs = Field(
        default=(),
        description="the models / sources it reads",
        examples=[[{"ref": "fraud_scores"}]],
    )
    produces: _Refs = Field(
        default=(), description="the sources it writes", examples=[[{"source": "orders"}]]
    )
    depends_on: _Refs = Field(
        default=(), description="the nodes it depends on", examples=[[{"ref": "fraud_scores"}]]
    )
    sla: Sla | None = Field(
        default=None,
        description="its service levels (recorded, not enforced)",
        examples=[{"max_end_to_end_latency_ms": 5000}],
    )
    contracts: Mapping[str, Any] = Field(
        default_factory=dict,
        description="free-form data contracts",
        examples=[{"schema_compatibility": "BACKWARD"}],
    )
    access: Mapping[str, Any] = Field(
        default_factory=dict, description="free-form access notes", examples=[{"roles": ["risk"]}]
    )
    freshness: FreshnessLimits | None = Field(
        default=None, description="how stale its inputs may get", examples=[{"max_lag_seconds": 60}]
    )
    schedule: str | None = Field(
        default=None, description="when it runs, for batch consumers", examples=["0 * * * *"]
    )
    data_requirements: Mapping[str, Any] = Field(
        default_factory=dict,
        description="free-form requirements on the data",
        examples=[{"min_rows_per_hour": 1000}],
    )


# ----------------------------------------------------------------------------- functions


class UserFunction(Located):
    """A user-defined function: a Java class in a jar, callable from models' SQL by `name`.

    Compiled to `CREATE TEMPORARY FUNCTION ... USING JAR` in each job that calls it; the SQL
    Gateway ships the jar with the job.
    """

    name: str = Field(description="the name models call it by", examples=["fraud_score"])
    class_: str = Field(
        alias="class",
        description="the implementing class, e.g. com.acme.Score",
        examples=["com.acme.udf.FraudScore"],
    )
    jar: str = Field(
        description="the jar file (relative to the project) or a URI Flink reads",
        examples=["lib/udfs.jar"],
    )
    returns: str = Field(
        description="the Flink return type, e.g. DOUBLE or ARRAY<STRING>", examples=["DOUBLE"]
    )
    kind: Literal["scalar", "aggregate"] = Field(
        default="scalar",
        description="aggregate: an AggregateFunction (makes the query stateful)",
        examples=["scalar"],
    )
    language: Literal["java", "scala"] = Field(
        default="java", description="the language it is written in", examples=["java"]
    )
    description: str | None = Field(
        default=None, description="what it computes", examples=["fraud probability of an order"]
    )


# ----------------------------------------------------------------------------- the project


class Project(Declared):
    """Everything loaded. `runtime` is never None: omitted -> the local stack's endpoints."""

    root: SkipValidation[str] = ""  # project directory (absolute path)
    project: ProjectInfo
    runtime: RuntimeConfig
    runtime_declared: bool = True  # False when `runtime:` was omitted (local defaults)
    defaults: Defaults = Field(default_factory=_shared(Defaults))
    rules: Rules = Field(default_factory=_shared(Rules))
    sources: tuple[Source, ...] = ()
    models: tuple[Model, ...] = ()
    tests: tuple[DataTest, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    functions: tuple[UserFunction, ...] = ()
    environment: str | None = None  # selected environment name
    environment_config: EnvironmentConfig | None = None
    spans: SkipValidation[Mapping[str, Location]] = Field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.project.name

    @property
    def version(self) -> str:
        return self.project.version

    @property
    def name_prefix(self) -> str:
        """The environment's `prefix` then the project's: two projects or environments on
        one cluster never write each other's topics or share job names."""
        env = self.environment_config
        return ((env.environment.prefix if env else None) or "") + (self.project.prefix or "")

    def topic_of(self, model: Model) -> str:
        """A model's output topic: the name prefix + `advanced.topic.name` or the model name."""
        return self.name_prefix + model.topic_name

    def delivery_of(self, model: Model) -> Delivery:
        """How a model's job writes its topic: its own setting, else the project default."""
        return model.advanced.flink.delivery or self.defaults.models.delivery

    @property
    def job_scope(self) -> str:
        """What job names and consumer groups are scoped by: `streamt.<prefix><project>.<model>`."""
        return self.name_prefix + self.name

    def where(self, path: str) -> Location:
        """Location of a project-level key path such as `rules.topics.min_partitions`."""
        while path:
            hit = self.spans.get(path)
            if hit is not None:
                return hit
            path = path.rpartition(".")[0]
        return self.spans.get("", Location())
