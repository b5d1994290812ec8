"""YAML shapes users of the earlier streamt already have (upstream inventory section 1) load."""

from pathlib import Path

from streamt.load.model import Classification, Materialized
from tests.unit.load.helpers import load

UPSTREAM = """
project:
  name: upstream
  version: 1.0
  description: every documented key

runtime:
  kafka:
    bootstrap_servers: localhost:9092
    bootstrap_servers_internal: kafka:29092
    security_protocol: SASL_SSL
    sasl_mechanism: PLAIN
    sasl_username: ${KAFKA_USER}
    sasl_password: ${KAFKA_PASSWORD}
  schema_registry:
    url: http://localhost:8081
    username: ${SR_USER}
    password: ${SR_PASSWORD}
  flink:
    default: local
    clusters:
      local:
        type: rest
        rest_url: http://localhost:8082
        sql_gateway_url: http://localhost:8084
        version: "1.18"
      cloud:
        type: confluent
        environment: env-abc
        api_key: ${KEY}
  connect:
    default: local
    clusters:
      local:
        rest_url: http://localhost:8083
  conduktor:
    gateway:
      admin_url: http://localhost:8888
      proxy_bootstrap: localhost:6969
      username: admin
      password: conduktor
      virtual_cluster: vc1
    console:
      url: http://console:8080
      api_key: abc

defaults:
  topic:
    partitions: 3
    replication_factor: 3
  models:
    cluster: prod
    topic:
      partitions: 6
      replication_factor: 3
  tests:
    flink_cluster: prod

rules:
  topics:
    min_partitions: 3
    max_partitions: 64
    min_replication_factor: 2
    required_config: [retention.ms]
    naming_pattern: "^[a-z_.]+$"
    forbidden_prefixes: ["_", "tmp."]
  models:
    require_description: true
    require_owner: true
    require_tests: true
    max_dependencies: 5
  sources:
    require_schema: true
    require_freshness: true
  security:
    require_classification: true
    sensitive_columns_require_masking: true

sources:
  - name: orders_raw
    topic: orders.raw.v1
    description: "raw orders"
    owner: team-a
    tags: [orders]
    cluster: main
    schema:
      registry: confluent
      subject: orders.raw.v1-value
      format: avro
      definition: '{"type":"record","name":"O","fields":[{"name":"order_id","type":"string"}]}'
    columns:
      - name: order_id
        type: STRING
        description: "id"
        classification: internal
      - name: proc_time
        proctime: true
      - name: order_ts
        type: TIMESTAMP(3)
    freshness:
      max_lag_seconds: 300
      warn_after_seconds: 120
    event_time:
      column: order_ts
      watermark:
        strategy: bounded_out_of_orderness
        max_out_of_orderness_ms: 5000
      allowed_lateness_ms: 60000

models:
  - name: hourly_revenue
    sql: |
      SELECT window_start, SUM(amount) AS revenue
      FROM TABLE(TUMBLE(TABLE {{ source("orders_raw") }}, DESCRIPTOR(order_ts), INTERVAL '1' HOUR))
      GROUP BY window_start, window_end
    advanced:
      flink: {parallelism: 4, checkpoint_interval_ms: 60000, state_ttl_ms: 86400000}
      topic: {name: analytics.revenue.v1, partitions: 6, config: {retention.ms: 604800000}}
      flink_cluster: local
      connect_cluster: local
  - name: revenue_to_pg
    from: [{ref: hourly_revenue}]
    sink:
      connector: jdbc-sink
      config: {connection.url: "jdbc:postgresql://db/x", tasks.max: 2}
  - name: orders_eu
    gateway: {virtual_topic: {}}
    sql: SELECT * FROM {{ source("orders_raw") }} WHERE region = 'EU'
    security:
      classification: {email: sensitive}
      policies:
        - mask: {column: email, method: hash, for_roles: [analyst]}
  - name: orders_dlq
    advanced: {topic: {name: dlq.orders, partitions: 3}}
  - name: scored
    sql: SELECT id, ML_PREDICT(fraud_model, amount) AS prediction FROM {{ ref("orders_eu") }}
    access: private
    group: risk
    version: 2
    materialized: flink
    ml_outputs:
      fraud_model:
        columns: [{name: is_fraud, type: BOOLEAN}, {name: score, type: DOUBLE}]
        description: fraud model

tests:
  - name: orders_quality
    model: hourly_revenue
    type: sample
    sample_size: 500
    flink_cluster: prod
    assertions:
      - not_null: {columns: [order_id, amount]}
      - accepted_values: {column: status, values: [NEW, PAID]}
      - range: {column: amount, min: 0, max: 100000}
      - unique_key: {key: order_id, tolerance: 0.01}
      - accepted_types: {types: {order_id: string, amount: number}}
    on_failure:
      severity: error
      actions:
        - dlq: {model: orders_dlq}
        - alert: {type: slack, channel: "#x"}

exposures:
  - name: billing_service
    type: application
    role: consumer
    description: "bills"
    owner: billing-team
    url: https://example.com
    repo: org/billing
    language: java
    tool: tableau
    consumer_group: billing-cg
    consumes: [{ref: hourly_revenue}, {source: orders_raw}]
    produces: [{source: orders_raw}]
    depends_on: [{ref: scored}]
    sla:
      availability: "99.9%"
      max_produce_latency_ms: 50
      max_end_to_end_latency_ms: 800
      max_lag_messages: 10000
      max_error_rate: 0.001
      max_lag_minutes: 5
    contracts: {schema: strict, compatibility: backward}
    access: {roles: [fraud], purpose: fraud_detection}
    freshness: {max_lag_seconds: 60}
    schedule: weekly
    data_requirements: {min_rows: 1000000}
"""


def test_every_upstream_key_loads(tmp_path: Path) -> None:
    result = load(tmp_path, UPSTREAM)
    # the shapes load; the two literal credentials (gateway password, console api_key) are
    # flagged (L052, a warning: an error only with --strict)
    assert [(d.code, d.severity.value, d.location.line) for d in result.diagnostics] == [
        ("L052", "warning", 40),
        ("L052", "warning", 44),
    ]
    project = result.project
    assert project is not None
    assert project.version == "1.0"  # an unquoted number is accepted
    assert project.runtime.gateway is not None and project.runtime.gateway.virtual_cluster == "vc1"
    assert project.runtime.kafka is not None
    assert project.runtime.kafka.sasl_password == "${KAFKA_PASSWORD}"
    source = project.sources[0]
    assert source.schema_ is not None and source.schema_.subject == "orders.raw.v1-value"
    assert (
        source.columns[1].proctime and source.columns[0].classification is Classification.INTERNAL
    )
    assert source.event_time is not None and source.event_time.allowed_lateness_ms == 60000
    models = {m.name: m for m in project.models}
    assert models["hourly_revenue"].advanced.flink.state_ttl_ms == 86400000
    assert models["hourly_revenue"].topic_name == "analytics.revenue.v1"
    sink = models["revenue_to_pg"].sink_connector
    assert sink is not None and dict(sink.config)["tasks.max"] == "2"
    eu = models["orders_eu"]
    assert eu.gateway is not None and eu.gateway.virtual_topic is not None
    assert eu.security.policies[0].mask is not None
    assert eu.security.policies[0].mask.for_roles == ("analyst",)
    assert models["scored"].materialized is Materialized.FLINK
    assert models["scored"].ml_outputs["fraud_model"].columns[1].name == "score"
    test = project.tests[0]
    assert test.on_failure is not None and len(test.on_failure.actions) == 2
    exposure = project.exposures[0]
    assert [(r.kind, r.name) for r in exposure.consumes] == [
        ("ref", "hourly_revenue"),
        ("source", "orders_raw"),
    ]
    assert exposure.sla is not None and exposure.sla.availability == "99.9%"


def test_documented_but_wrong_shapes_get_a_clear_error(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        """
        project: {name: p}
        sources:
          - name: s
            topic: t
            event_time:
              column: ts
              watermark: {strategy: monotonous}
        """,
    )
    (diag,) = result.diagnostics
    assert diag.code == "L006"
    assert diag.hint == "did you mean 'monotonously_increasing'?"


def test_on_failure_accepts_bare_action_names_and_the_list_form(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        """
        project: {name: p}
        sources: [{name: s, topic: t, columns: [{name: id, type: STRING}]}]
        tests:
          - name: a
            model: s
            type: sample
            on_failure: {actions: [pause_model, {alert: {url: "http://127.0.0.1:9"}}]}
          - name: b
            model: s
            type: sample
            on_failure: [block_deploy, {dlq: {topic: bad}}]
        """,
    )
    assert result.ok, result.diagnostics
    assert result.project is not None
    a, b = result.project.tests
    assert a.on_failure is not None and b.on_failure is not None
    assert a.on_failure.actions == ({"pause_model": {}}, {"alert": {"url": "http://127.0.0.1:9"}})
    assert b.on_failure.actions == ({"block_deploy": {}}, {"dlq": {"topic": "bad"}})
    assert b.on_failure.severity == "error"
