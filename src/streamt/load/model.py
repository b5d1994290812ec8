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

    name: str
    type: str | None = None  # Flink SQL type, e.g. STRING, DOUBLE, TIMESTAMP(3); None = infer
    description: str | None = None
    classification: Classification | None = None
    proctime: bool = False  # a computed `AS PROCTIME()` column
    nullable: bool = True


class Watermark(Declared):
    strategy: Literal["bounded_out_of_orderness", "monotonously_increasing"] = (
        "bounded_out_of_orderness"
    )
    max_out_of_orderness_ms: int = Field(default=5000, ge=0, le=JAVA_LONG)
    # after this long without records a partition stops holding the watermark back;
    # None = the project default (defaults.event_time.watermark), 0 = never idle
    idle_timeout_ms: int | None = Field(default=None, ge=0, le=JAVA_LONG)


class EventTime(Declared):
    column: str
    watermark: Watermark = Field(default_factory=_shared(Watermark))
    allowed_lateness_ms: int | None = Field(default=None, ge=0, le=JAVA_LONG)


class TopicOptions(Declared):
    """A topic's settings (`advanced.topic`, `defaults.topic`); None = not set here."""

    name: str | None = None
    partitions: int | None = Field(default=None, ge=1, le=KAFKA_MAX_PARTITIONS)
    replication_factor: int | None = Field(default=None, ge=1, le=KAFKA_MAX_REPLICATION)
    # the topic's `min.insync.replicas` config (wins over that key in `config` of the same layer)
    min_insync_replicas: int | None = Field(default=None, ge=1, le=KAFKA_MAX_REPLICATION)
    config: StrMap = Field(default_factory=dict)


# ----------------------------------------------------------------------------- project header


NAME_PREFIX = r"^[A-Za-z0-9._-]*$"  # characters Kafka allows in a topic name


class ProjectInfo(Declared):
    name: str
    version: Str = "0.0.0"
    description: str | None = None
    # prepended to every topic streamt creates and to job (consumer group) names
    prefix: str | None = Field(default=None, pattern=NAME_PREFIX)
    default_environment: str | None = Field(
        default=None,
        description="The environment (environments/<name>.yml) used when neither --env nor "
        "STREAMT_ENV selects one, as dbt's profile `target:`. Without it, a project with an "
        "environments/ folder must be given one (L100).",
        examples=["dev"],
    )


class ModelDefaults(Declared):
    cluster: str | None = None
    topic: TopicOptions = Field(default_factory=_shared(TopicOptions))


class TestDefaults(Declared):
    flink_cluster: str | None = None
    sample_size: int | None = Field(default=None, ge=1)


BadRecordPolicy = Literal["fail", "skip", "dead_letter"]  # what a job does with a bad record


class SourceDefaults(Declared):
    on_bad_record: BadRecordPolicy = "fail"


class WatermarkDefaults(Declared):
    idle_timeout_ms: int | None = Field(
        default=None, ge=0, le=JAVA_LONG
    )  # None/0: inputs never go idle


class EventTimeDefaults(Declared):
    watermark: WatermarkDefaults = Field(default_factory=_shared(WatermarkDefaults))


class Defaults(Declared):
    topic: TopicOptions = Field(default_factory=_shared(TopicOptions))
    sources: SourceDefaults = Field(default_factory=_shared(SourceDefaults))
    event_time: EventTimeDefaults = Field(default_factory=_shared(EventTimeDefaults))
    models: ModelDefaults = Field(default_factory=_shared(ModelDefaults))
    tests: TestDefaults = Field(default_factory=_shared(TestDefaults))


class TopicRules(Declared):
    min_partitions: int | None = None
    max_partitions: int | None = None
    min_replication_factor: int | None = None
    max_replication_factor: int | None = None
    required_config: tuple[str, ...] = ()
    naming_pattern: str | None = None  # a Python regex matched against the topic name
    forbidden_prefixes: StrTuple = ()
    forbidden_suffixes: StrTuple = ()


class ModelRules(Declared):
    require_description: bool = False
    require_owner: bool = False
    require_tests: bool = False
    max_dependencies: int | None = Field(default=None, ge=0)
    naming_pattern: str | None = None


class SourceRules(Declared):
    require_schema: bool = False
    require_freshness: bool = False
    require_description: bool = False
    require_owner: bool = False


class SecurityRules(Declared):
    require_classification: bool = False
    sensitive_columns_require_masking: bool = False


class Rules(Declared):
    topics: TopicRules = Field(default_factory=_shared(TopicRules))
    models: ModelRules = Field(default_factory=_shared(ModelRules))
    sources: SourceRules = Field(default_factory=_shared(SourceRules))
    security: SecurityRules = Field(default_factory=_shared(SecurityRules))


# ----------------------------------------------------------------------------- sources


class SchemaFormat(str, enum.Enum):
    AVRO = "avro"
    JSON = "json"
    PROTOBUF = "protobuf"


class SchemaDef(Declared):
    format: SchemaFormat = SchemaFormat.AVRO
    definition: str | None = None  # inline schema text (Avro / JSON Schema / .proto)
    subject: str | None = None  # default "<topic>-value"
    registry: str | None = None
    compatibility: str | None = None  # BACKWARD | FORWARD | FULL | NONE | ..._TRANSITIVE


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

    max_lag_seconds: int | None = Field(default=None, ge=0)
    warn_after_seconds: int | None = Field(default=None, ge=0)
    error_after_seconds: int | None = Field(default=None, ge=0)


class Source(Located):
    name: str
    topic: str
    description: str | None = None
    owner: str | None = None
    tags: StrTuple = ()
    cluster: str | None = None
    schema_: SchemaDef | None = Field(default=None, alias="schema")
    format: PayloadFormat | None = (
        None  # None = decided from schema.format (avro -> avro-confluent)
    )
    columns: tuple[DeclaredColumn, ...] = ()
    key: StrTuple = ()  # key fields (message key columns)
    event_time: EventTime | None = None
    freshness: FreshnessLimits | None = None
    startup_mode: (
        Annotated[
            StartupMode,
            BeforeValidator(
                _startup, json_schema_input_type=StartupMode | Literal["earliest", "latest"]
            ),
        ]
        | None
    ) = None
    startup_timestamp_ms: int | None = Field(default=None, ge=0, le=JAVA_LONG)
    on_bad_record: BadRecordPolicy | None = None  # None = defaults.sources.on_bad_record


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
    props["checkpoint_interval"] = {"type": "integer", "description": "ms (the seed's spelling)"}


class FlinkOptions(Declared):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra=_checkpoint_alias_schema,
    )

    parallelism: int | None = Field(default=None, ge=1, le=FLINK_MAX_PARALLELISM)
    checkpoint_interval_ms: int | None = Field(default=None, ge=1, le=JAVA_LONG)
    state_ttl_ms: int | None = Field(default=None, le=JAVA_LONG)  # > 0: checked by validate
    state_backend: str | None = None
    cluster: str | None = None
    # any Flink option for this job only (`SET` in its script), applied after the ones above;
    # streamt's own keys (pipeline.name, the restore path) are refused by `streamt validate`
    config: StrMap = Field(default_factory=dict)

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

    type: str
    config: StrMap = Field(default_factory=dict)


class SinkDef(Declared):
    """Upstream spelling `sink: {connector: jdbc-sink, config: {...}}`."""

    connector: str
    config: StrMap = Field(default_factory=dict)


class Advanced(Declared):
    flink: FlinkOptions = Field(default_factory=_shared(FlinkOptions))
    topic: TopicOptions = Field(default_factory=_shared(TopicOptions))
    connector: Connector | None = None
    sink: SinkDef | None = None
    flink_cluster: str | None = None
    connect_cluster: str | None = None


class MaskPolicy(Declared):
    column: str
    method: Literal["hash", "redact", "null", "partial", "tokenize"] = "hash"
    for_roles: StrTuple = ()


class AccessPolicy(Declared):
    roles: StrTuple = ()
    columns: StrTuple = ()
    where: str | None = None


class Policy(Declared):
    """Exactly one of `mask`, `allow`, `deny`."""

    mask: MaskPolicy | None = None
    allow: AccessPolicy | None = None
    deny: AccessPolicy | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Policy:
        if sum(p is not None for p in (self.mask, self.allow, self.deny)) != 1:
            raise ValueError("a policy has exactly one of: mask, allow, deny")
        return self


class Security(Declared):
    classification: Mapping[str, Classification] = Field(default_factory=dict)
    policies: tuple[Policy, ...] = ()


class MlOutput(Declared):
    columns: tuple[DeclaredColumn, ...]
    description: str | None = None


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
    name: str | None = None
    compression: str | None = None


class GatewayOptions(Declared):
    virtual_topic: VirtualTopic | None = None


class Model(Located):
    name: str
    sql: str | None = None
    from_: Annotated[
        tuple[FromRef, ...], BeforeValidator(_from_refs, json_schema_input_type=RefsInput)
    ] = Field(default=(), alias="from")
    key: StrTuple = ()
    description: str | None = None
    owner: str | None = None
    tags: StrTuple = ()
    materialized: Materialized | None = None
    columns: tuple[DeclaredColumn, ...] = ()
    event_time: EventTime | None = None
    security: Security = Field(default_factory=_shared(Security))
    ml_outputs: Annotated[
        Mapping[str, MlOutput],
        BeforeValidator(_ml_outputs, json_schema_input_type=dict[str, MlOutput | dict[str, str]]),
    ] = Field(default_factory=dict)
    access: Literal["private", "protected", "public"] = "protected"
    group: str | None = None
    version: int | None = None
    advanced: Advanced = Field(default_factory=_shared(Advanced))
    connector: Connector | None = None  # upstream top-level spelling
    sink: SinkDef | None = None  # upstream top-level spelling
    gateway: GatewayOptions | None = None
    on_bad_record: BadRecordPolicy | None = None  # for the topics of the models it reads
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
    severity: Literal["error", "warning"] = "error"
    actions: Annotated[
        tuple[Mapping[str, Any], ...],
        BeforeValidator(_actions, json_schema_input_type=list[str | dict[str, Any]]),
    ] = ()

    @model_validator(mode="before")
    @classmethod
    def _list_form(cls, value: object) -> object:
        """The upstream list form `on_failure: [- alert: ...]` is `{actions: [...]}`."""
        return {"actions": value} if isinstance(value, (list, tuple)) else value


class DataTest(Located):
    __test__ = False  # not a pytest class

    name: str
    model: str
    type: TestType
    description: str | None = None
    sample_size: int | None = Field(default=None, ge=1)
    timeout_seconds: float | None = Field(default=None, gt=0)
    flink_cluster: str | None = None
    # `- kind: {parameters}`; bad ones are T001-T005 at load (`streamt.load.assertions`)
    assertions: tuple[AssertionEntry, ...] = ()
    on_failure: OnFailure | None = None
    given: tuple[Mapping[str, Any], ...] = ()  # unit tests: input rows per source/ref
    expect: Mapping[str, Any] | None = None  # unit tests: expected output rows


# ----------------------------------------------------------------------------- exposures


class ExposureRef(Declared):
    kind: Literal["source", "ref", "auto"]
    name: str


class Sla(Declared):
    availability: Str | None = None
    max_produce_latency_ms: int | None = None
    max_end_to_end_latency_ms: int | None = None
    max_lag_messages: int | None = None
    max_error_rate: float | None = None
    max_lag_minutes: float | None = None


_Refs = Annotated[
    tuple[ExposureRef, ...], BeforeValidator(_from_refs, json_schema_input_type=RefsInput)
]


class Exposure(Located):
    name: str
    type: Literal["application", "dashboard", "ml_training", "ml_inference", "api", "notebook"]
    role: Literal["producer", "consumer", "both"] = "consumer"
    description: str | None = None
    owner: str | None = None
    tags: StrTuple = ()
    url: str | None = None
    repo: str | None = None
    language: str | None = None
    tool: str | None = None
    consumer_group: str | None = None
    consumes: _Refs = ()
    produces: _Refs = ()
    depends_on: _Refs = ()
    sla: Sla | None = None
    contracts: Mapping[str, Any] = Field(default_factory=dict)
    access: Mapping[str, Any] = Field(default_factory=dict)
    freshness: FreshnessLimits | None = None
    schedule: str | None = None
    data_requirements: Mapping[str, Any] = Field(default_factory=dict)


# ----------------------------------------------------------------------------- functions


class UserFunction(Located):
    """A user-defined function: a Java class in a jar, callable from models' SQL by `name`.

    Compiled to `CREATE TEMPORARY FUNCTION ... USING JAR` in each job that calls it; the SQL
    Gateway ships the jar with the job.
    """

    name: str
    class_: str = Field(alias="class", description="the implementing class, e.g. com.acme.Score")
    jar: str = Field(description="the jar file (relative to the project) or a URI Flink reads")
    returns: str = Field(description="the Flink return type, e.g. DOUBLE or ARRAY<STRING>")
    kind: Literal["scalar", "aggregate"] = Field(
        default="scalar", description="aggregate: an AggregateFunction (makes the query stateful)"
    )
    language: Literal["java", "scala"] = "java"
    description: str | None = None


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
