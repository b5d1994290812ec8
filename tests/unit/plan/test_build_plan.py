"""Every action and flag of the pure planner."""

from __future__ import annotations

from streamt.plan import Compatibility, Ledger, LiveState, PlanOptions, build_plan
from streamt.resources import (
    Action,
    ConnectorState,
    EntryStatus,
    JobState,
    ResourceKind,
    SubjectSpec,
    SubjectState,
)

from .factories import (
    AVRO,
    AVRO_V2,
    ENV,
    PROJECT,
    applied_job_entry,
    connector,
    desired,
    entry,
    job,
    ledger,
    live,
    running,
    subject,
    topic,
    topic_state,
)

OPTS = PlanOptions(environment=ENV)


def _one(plan):  # type: ignore[no-untyped-def]
    changes = [c for c in plan.changes]
    assert len(changes) == 1, changes
    return changes[0]


# --- topics -----------------------------------------------------------------


def test_missing_topic_is_created_with_its_settings():
    plan = build_plan(
        desired(topics=(topic("orders", 6, {"retention.ms": "1000"}),)), live(), ledger(), OPTS
    )
    change = _one(plan)
    assert (change.kind, change.action, change.name) == (
        ResourceKind.TOPIC,
        Action.CREATE,
        "orders",
    )
    assert {a.key: a.after for a in change.attributes} == {
        "partitions": "6",
        "replication_factor": "1",
        "retention.ms": "1000",
    }
    assert not change.destructive and not change.state_breaking


def test_partition_increase_and_config_change_update_in_place():
    spec = topic("orders", 6, {"retention.ms": "2000"})
    state = topic_state("orders", 3, {"retention.ms": "1000"})
    plan = build_plan(
        desired(topics=(spec,)),
        live(topics=(state,)),
        ledger(entry(ResourceKind.TOPIC, "orders", spec)),
        OPTS,
    )
    change = _one(plan)
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("partitions", "3", "6"),
        ("retention.ms", "1000", "2000"),
    ]


def test_partition_decrease_is_refused_with_an_explanation():
    spec = topic("orders", 2)
    plan = build_plan(
        desired(topics=(spec,)),
        live(topics=(topic_state("orders", 6),)),
        ledger(entry(ResourceKind.TOPIC, "orders", topic("orders", 6))),
        OPTS,
    )
    change = _one(plan)
    assert change.action is Action.REFUSED and not change.executable
    assert "partition decrease 6 -> 2" in change.reason
    assert "Kafka cannot remove partitions" in change.reason
    assert "partitions >= 6" in change.hint
    assert plan.refused == (change,)


def test_broker_defaults_and_unmanaged_keys_never_drift():
    spec = topic("orders", 3, {"cleanup.policy": "compact"})
    state = topic_state(
        "orders",
        3,
        {"cleanup.policy": "compact", "segment.bytes": "1000", "min.insync.replicas": "1"},
    )
    plan = build_plan(
        desired(topics=(spec,)),
        live(topics=(state,)),
        ledger(entry(ResourceKind.TOPIC, "orders", spec)),
        OPTS,
    )
    assert _one(plan).action is Action.NOOP
    assert not plan.has_changes


def test_config_key_the_broker_does_not_report_is_planned():
    spec = topic("orders", 3, {"retention.ms": "1000"})
    plan = build_plan(
        desired(topics=(spec,)),
        live(topics=(topic_state("orders", 3, {}),)),
        ledger(entry(ResourceKind.TOPIC, "orders", spec)),
        OPTS,
    )
    change = _one(plan)
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("retention.ms", None, "1000")
    ]


def test_existing_topic_not_in_ledger_is_refused_with_what_is_known_until_adopted():
    spec = topic("orders")
    state = live(topics=(topic_state("orders"),))
    state = LiveState(topics=state.topics, messages={"orders": 42}, samples={"orders": (3, 20)})
    change = _one(build_plan(desired(topics=(spec,)), state, ledger(), OPTS))
    assert change.action is Action.REFUSED
    assert change.reason == (
        "exists, not owned by this project (42 messages; 3 of 20 sampled records have the "
        "model's columns)"
    )
    assert "streamt apply --adopt orders" in change.hint
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    change = _one(build_plan(desired(topics=(spec,)), state, ledger(), adopting))
    assert change.action is Action.ADOPT and "not owned" in change.reason
    other_node = PlanOptions(environment=ENV, adopt=frozenset({"model.shop.other"}))
    assert _one(build_plan(desired(topics=(spec,)), state, ledger(), other_node)).action is (
        Action.REFUSED
    )


def test_existing_topic_that_differs_is_reconfigured_only_when_adopted():
    spec = topic("orders", 6)
    state = live(topics=(topic_state("orders", 3),))
    assert _one(build_plan(desired(topics=(spec,)), state, ledger(), OPTS)).action is (
        Action.REFUSED
    )
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    change = _one(build_plan(desired(topics=(spec,)), state, ledger(), adopting))
    assert change.action is Action.UPDATE and "adopted (--adopt)" in change.reason
    assert [(a.key, a.before, a.after) for a in change.attributes] == [("partitions", "3", "6")]


def test_adopted_topic_is_not_reconfigured_without_adopt_again():
    spec = topic("orders", 6)
    adopted = entry(ResourceKind.TOPIC, "orders", topic("orders", 3), owned=False, node=spec.node)
    state = live(topics=(topic_state("orders", 3),))
    change = _one(build_plan(desired(topics=(spec,)), state, ledger(adopted), OPTS))
    assert change.action is Action.REFUSED
    assert "adopted topic orders but did not create it" in change.reason
    assert "streamt apply --adopt orders" in change.hint
    assert [(a.key, a.before, a.after) for a in change.attributes] == [("partitions", "3", "6")]
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    change = _one(build_plan(desired(topics=(spec,)), state, ledger(adopted), adopting))
    assert change.action is Action.UPDATE
    unchanged = topic("orders", 3)
    assert _one(build_plan(desired(topics=(unchanged,)), state, ledger(adopted), OPTS)).action is (
        Action.NOOP
    )


def test_topic_another_project_created_is_never_adopted():
    spec = topic("orders")
    owners = {(ResourceKind.TOPIC, "orders"): "billing/prod"}
    theirs = Ledger(PROJECT, ENV, (), owners)
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    for opts in (OPTS, adopting):
        change = _one(
            build_plan(desired(topics=(spec,)), live(topics=(topic_state("orders"),)), theirs, opts)
        )
        assert change.action is Action.REFUSED
        assert "owned by project 'billing' (environment 'prod')" in change.reason
        assert "never adopted" in change.reason and "prefix" in change.hint
    # a missing topic is created even if another ledger remembers one of that name
    assert _one(build_plan(desired(topics=(spec,)), live(), theirs, OPTS)).action is Action.CREATE


def test_other_ledgers_change_the_ledger_fingerprint_only_when_present():
    assert Ledger(PROJECT, ENV).fingerprint() == ledger().fingerprint()
    owners = {(ResourceKind.TOPIC, "orders"): "billing/prod"}
    assert Ledger(PROJECT, ENV, (), owners).fingerprint() != ledger().fingerprint()


def test_replication_factor_change_is_refused():
    from streamt.resources import TopicState

    plan = build_plan(
        desired(topics=(topic("orders"),)),
        live(topics=(TopicState("orders", 3, 3, {}),)),
        ledger(entry(ResourceKind.TOPIC, "orders", topic("orders"))),
        OPTS,
    )
    change = _one(plan)
    assert change.action is Action.REFUSED and "replication factor change 3 -> 1" in change.reason


def test_removed_topic_deleted_only_when_owned():
    owned = entry(ResourceKind.TOPIC, "old", topic("old"), owned=True)
    adopted = entry(ResourceKind.TOPIC, "shared", topic("shared"), owned=False)
    plan = build_plan(
        desired(),
        live(topics=(topic_state("old"), topic_state("shared"))),
        ledger(owned, adopted),
        OPTS,
    )
    change = _one(plan)
    assert (change.name, change.action, change.destructive) == ("old", Action.DELETE, True)


# --- subjects ---------------------------------------------------------------


def test_subject_created_then_compatible_new_version_then_incompatible_refused():
    spec = subject("orders-value", AVRO_V2)
    assert (
        _one(build_plan(desired(subjects=(spec,)), live(), ledger(), OPTS)).action is Action.CREATE
    )
    registered = SubjectState("orders-value", 1, 7, "AVRO", AVRO)
    ok = live(subjects=(registered,), compatibility={"orders-value": Compatibility(True)})
    mine = ledger(entry(ResourceKind.SUBJECT, "orders-value", subject("orders-value")))
    change = _one(build_plan(desired(subjects=(spec,)), ok, mine, OPTS))
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [("version", "1", "2")]
    bad = live(
        subjects=(registered,),
        compatibility={
            "orders-value": Compatibility(False, ("READER_FIELD_MISSING_DEFAULT_VALUE amount",))
        },
    )
    change = _one(build_plan(desired(subjects=(spec,)), bad, mine, OPTS))
    assert change.action is Action.REFUSED
    assert "incompatible with version 1: READER_FIELD_MISSING_DEFAULT_VALUE amount" in change.reason


def test_registered_subject_not_in_ledger():
    registered = SubjectState("orders-value", 1, 7, "AVRO", AVRO)
    state = live(subjects=(registered,), compatibility={"orders-value": Compatibility(True)})
    # a source's matching subject is only read: recorded, not owned, no --adopt needed
    same = _one(build_plan(desired(subjects=(subject("orders-value"),)), state, ledger(), OPTS))
    assert same.action is Action.ADOPT and "not owned" in same.reason
    # a new version of a subject this project did not register needs --adopt
    newer = subject("orders-value", AVRO_V2)
    change = _one(build_plan(desired(subjects=(newer,)), state, ledger(), OPTS))
    assert change.action is Action.REFUSED
    assert change.reason == "exists, not owned by this project (version 1)"
    adopting = PlanOptions(environment=ENV, adopt=frozenset({newer.node}))
    change = _one(build_plan(desired(subjects=(newer,)), state, ledger(), adopting))
    assert change.action is Action.UPDATE and change.reason.startswith("adopted (--adopt)")
    # a model's output subject is refused even when it matches
    modelled = SubjectSpec("out-value", "AVRO", AVRO, node="model.shop.out")
    taken = live(subjects=(SubjectState("out-value", 1, 8, "AVRO", AVRO),))
    assert _one(build_plan(desired(subjects=(modelled,)), taken, ledger(), OPTS)).action is (
        Action.REFUSED
    )


def test_subject_whitespace_differences_are_not_changes():
    spec = subject("orders-value", AVRO)
    pretty = AVRO.replace(",", ", ").replace(":", ": ")
    state = SubjectState("orders-value", 3, 9, "AVRO", pretty)
    plan = build_plan(
        desired(subjects=(spec,)),
        live(subjects=(state,)),
        ledger(entry(ResourceKind.SUBJECT, "orders-value", spec)),
        OPTS,
    )
    assert _one(plan).action is Action.NOOP


def test_registered_matching_subject_not_in_the_ledger_is_adopted_for_its_node():
    spec = subject("orders-value", AVRO)
    state = SubjectState("orders-value", 1, 7, "AVRO", AVRO)
    change = _one(build_plan(desired(subjects=(spec,)), live(subjects=(state,)), ledger(), OPTS))
    assert (change.action, change.node) == (Action.ADOPT, spec.node)
    assert change.reason == "registered and matches the source: record, not owned"


def test_json_schemas_compare_by_meaning_other_types_by_text():
    from streamt.plan.payloads import canonical_schema

    assert canonical_schema("JSON", '{"b": 1, "a": 2}') == canonical_schema("json", '{"a":2,"b":1}')
    assert canonical_schema("AVRO", '{"type": "string"}') == '{"type":"string"}'
    assert canonical_schema("JSON", " not json ") == "not json"
    assert canonical_schema("PROTOBUF", ' syntax = "proto3"; ') == 'syntax = "proto3";'


# --- jobs -------------------------------------------------------------------


def test_new_job_is_created():
    spec = job("orders_clean")
    change = _one(build_plan(desired(jobs=(spec,)), live(), ledger(), OPTS))
    assert change.action is Action.CREATE and change.desired is not None
    assert change.desired.type == "flink_job"


def test_metadata_only_change_never_touches_a_job():
    deployed = job("orders_clean", meta="m1")
    now = job("orders_clean", meta="m2-new-description")
    change = _one(
        build_plan(
            desired(jobs=(now,)),
            live(jobs=(running(deployed),)),
            ledger(applied_job_entry(deployed)),
            OPTS,
        )
    )
    assert change.action is Action.NOOP
    assert change.reason == "metadata changed only: job untouched"


def test_sql_change_plans_a_savepoint_upgrade_of_the_running_job():
    deployed = job("orders_clean", "SELECT id FROM orders")
    now = job("orders_clean", "SELECT id FROM orders WHERE id <> ''")
    change = _one(
        build_plan(
            desired(jobs=(now,)),
            live(jobs=(running(deployed, "j1"),)),
            ledger(applied_job_entry(deployed, "j1")),
            OPTS,
        )
    )
    assert change.action is Action.UPGRADE
    assert change.live_job_id == "j1"
    assert not change.state_breaking and not change.destructive
    assert change.attributes[0].key == "query"


def test_job_config_change_is_an_upgrade_too():
    deployed = job("orders_clean")
    now = job("orders_clean", **{"parallelism.default": "2"})
    change = _one(
        build_plan(
            desired(jobs=(now,)),
            live(jobs=(running(deployed),)),
            ledger(applied_job_entry(deployed)),
            OPTS,
        )
    )
    assert change.action is Action.UPGRADE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("parallelism.default", None, "2")
    ]


def test_failed_job_is_reported_not_resubmitted_unless_reset_state():
    spec = job("orders_clean")
    failed = live(jobs=(running(spec, "j1", "FAILED"),))
    change = _one(
        build_plan(desired(jobs=(spec,)), failed, ledger(applied_job_entry(spec, "j1")), OPTS)
    )
    assert change.action is Action.REFUSED
    assert "FAILED (job j1)" in change.reason and "--reset-state" in change.hint
    reset = PlanOptions(environment=ENV, reset_state=True)
    change = _one(
        build_plan(desired(jobs=(spec,)), failed, ledger(applied_job_entry(spec, "j1")), reset)
    )
    assert change.action is Action.REPLACE and change.state_breaking and change.destructive


def test_duplicate_running_jobs_are_refused():
    spec = job("orders_clean")
    state = live(jobs=(running(spec, "a"), running(spec, "b")))
    change = _one(build_plan(desired(jobs=(spec,)), state, ledger(), OPTS))
    assert change.action is Action.REFUSED and "(a, b)" in change.reason


def test_running_job_missing_from_ledger_is_refused_until_adopted():
    spec = job("orders_clean")
    state = live(jobs=(running(spec, "x"),))
    change = _one(build_plan(desired(jobs=(spec,)), state, ledger(), OPTS))
    assert change.action is Action.REFUSED
    assert change.reason == "exists, not owned by this project (job x, RUNNING)"
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    change = _one(build_plan(desired(jobs=(spec,)), state, ledger(), adopting))
    assert change.action is Action.ADOPT


def test_adopted_job_is_upgraded_only_with_adopt_again():
    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    adopted = applied_job_entry(old, "j1", owned=False, node=old.node)
    state = live(jobs=(running(old, "j1"),))
    change = _one(build_plan(desired(jobs=(new,)), state, ledger(adopted), OPTS))
    assert change.action is Action.REFUSED and "did not create it" in change.reason
    adopting = PlanOptions(environment=ENV, adopt=frozenset({new.node}))
    change = _one(build_plan(desired(jobs=(new,)), state, ledger(adopted), adopting))
    assert change.action is Action.UPGRADE and change.live_job_id == "j1"


def test_interrupted_upgrade_after_savepoint_resumes_from_it():
    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    pending = applied_job_entry(
        old,
        "j1",
        status=EntryStatus.PENDING,
        previous_job_id="j1",
        savepoint="file:///sp/1",
        target=applied_job_entry(new).spec,
    )
    canceled = live(jobs=(running(old, "j1", "FINISHED"),))
    change = _one(build_plan(desired(jobs=(new,)), canceled, ledger(pending), OPTS))
    assert change.action is Action.CREATE and change.restore_from == "file:///sp/1"


def test_upgrade_interrupted_while_flink_took_the_savepoint_resumes_from_what_the_job_left():
    """Ctrl-C while the savepoint was taken: the ledger never heard of it, but the old job
    FINISHED with it; without it (Flink forgot the job) the plan refuses, never starts empty."""
    from dataclasses import replace

    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    pending = applied_job_entry(
        old, "j1", status=EntryStatus.PENDING, previous_job_id="j1", target=new
    )
    finished = live(jobs=(running(old, "j1", "FINISHED"),))
    found = replace(finished, stopped_savepoints={"j1": "file:///sp/left"})
    change = _one(build_plan(desired(jobs=(new,)), found, ledger(pending), OPTS))
    assert change.action is Action.CREATE and change.restore_from == "file:///sp/left"
    other = replace(finished, stopped_savepoints={"j9": "file:///sp/other"})
    change = _one(build_plan(desired(jobs=(new,)), other, ledger(pending), OPTS))
    assert change.action is Action.REFUSED and change.restore_from is None
    assert "would start without its state" in change.reason


def test_a_cut_short_upgrade_whose_stop_is_still_under_way_is_refused_until_it_ends():
    """A second stop-with-savepoint aborts the one in progress (Flink 2.2: "Checkpoint
    Coordinator is suspending", measured): plan refuses rather than upgrade again, both while
    the old job runs and while it just FINISHED but Flink's statistics lag."""
    from dataclasses import replace

    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    pending = applied_job_entry(
        old, "j1", status=EntryStatus.PENDING, previous_job_id="j1", target=new
    )
    for state in ("RUNNING", "FINISHED"):
        stopping = replace(
            live(jobs=(running(old, "j1", state),)), stops_in_progress=frozenset({"j1"})
        )
        change = _one(build_plan(desired(jobs=(new,)), stopping, ledger(pending), OPTS))
        assert change.action is Action.REFUSED, state
        assert "job j1 is still being stopped with a savepoint" in change.reason
        assert change.hint.startswith("plan again in a few seconds")
    applied = applied_job_entry(old, "j1")  # nothing cut short: a stop elsewhere is no concern
    elsewhere = replace(live(jobs=(running(old, "j1"),)), stops_in_progress=frozenset({"j1"}))
    change = _one(build_plan(desired(jobs=(new,)), elsewhere, ledger(applied), OPTS))
    assert change.action is Action.UPGRADE


def test_interrupted_upgrade_before_stop_upgrades_again():
    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    pending = applied_job_entry(
        old,
        "j1",
        status=EntryStatus.PENDING,
        previous_job_id="j1",
        target=applied_job_entry(new).spec,
    )
    change = _one(
        build_plan(desired(jobs=(new,)), live(jobs=(running(old, "j1"),)), ledger(pending), OPTS)
    )
    assert change.action is Action.UPGRADE and change.live_job_id == "j1"


def test_interrupted_upgrade_after_submit_is_adopted():
    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    pending = applied_job_entry(
        old,
        "j1",
        status=EntryStatus.PENDING,
        previous_job_id="j1",
        savepoint="file:///sp/1",
        target=applied_job_entry(new).spec,
    )
    state = live(jobs=(running(old, "j1", "FINISHED", 1), running(new, "j2", "RUNNING", 2)))
    change = _one(build_plan(desired(jobs=(new,)), state, ledger(pending), OPTS))
    assert change.action is Action.ADOPT and "interrupted apply" in change.reason


def test_failed_upgrade_is_refused_with_rollback_hint():
    old, new = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")
    failed = applied_job_entry(
        old,
        "j1",
        status=EntryStatus.FAILED,
        previous_job_id="j1",
        savepoint="file:///sp/1",
        target=applied_job_entry(new).spec,
        error="state incompatible",
    )
    change = _one(build_plan(desired(jobs=(new,)), live(), ledger(failed), OPTS))
    assert change.action is Action.REFUSED
    assert "state incompatible" in change.reason and "streamt rollback orders_clean" in change.hint


def test_removed_job_is_deleted_destructively_only_if_owned_and_running():
    spec = job("old_model")
    plan = build_plan(
        desired(), live(jobs=(running(spec, "j9"),)), ledger(applied_job_entry(spec, "j9")), OPTS
    )
    change = _one(plan)
    assert (change.action, change.live_job_id, change.destructive, change.state_breaking) == (
        Action.DELETE,
        "j9",
        True,
        True,
    )
    adopted = applied_job_entry(spec, "j9", owned=False)
    assert (
        build_plan(desired(), live(jobs=(running(spec, "j9"),)), ledger(adopted), OPTS).changes
        == ()
    )


# --- connectors -------------------------------------------------------------


def test_connector_create_update_and_secret_masking():
    spec = connector(
        "pg_sink", **{"connection.password": "${PG_PASSWORD}", "connection.username": "app"}
    )
    change = _one(build_plan(desired(connectors=(spec,)), live(), ledger(), OPTS))
    assert change.action is Action.CREATE
    shown = {a.key: a.after for a in change.attributes}
    assert shown["connection.password"] == "${PG_PASSWORD}"
    resolved = {**spec.config, "connection.password": "hunter2", "name": "pg_sink"}
    state = ConnectorState("pg_sink", resolved, "RUNNING", ("RUNNING",))
    changed = connector(
        "pg_sink", **{"connection.password": "${PG_PASSWORD}", "connection.username": "admin"}
    )
    led = ledger(
        entry(ResourceKind.CONNECTOR, "pg_sink", spec, live_digest=_digest(resolved, spec))
    )
    change = _one(build_plan(desired(connectors=(changed,)), live(connectors=(state,)), led, OPTS))
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("connection.username", "app", "admin")
    ]
    assert (
        "hunter2"
        not in build_plan(
            desired(connectors=(changed,)), live(connectors=(state,)), led, OPTS
        ).model_dump_json()
    )


def test_literal_credential_is_masked_in_the_plan_text():
    from streamt.plan.render import render_text

    spec = connector("pg_sink", **{"connection.password": "hunter2", "batch.size": "100"})
    plan = build_plan(desired(connectors=(spec,)), live(), ledger(), OPTS)
    shown = {a.key: a.after for a in _one(plan).attributes}
    assert shown["connection.password"] == "(sensitive)"
    assert shown["batch.size"] == "100"
    text = render_text(plan)
    assert "hunter2" not in text and "(sensitive)" in text


def test_display_masks_credential_keys_and_keeps_placeholders():
    from streamt.plan.secrets import MASK, display, sensitive_keys

    assert display("connection.password", "hunter2") == MASK
    assert display("sasl.jaas.config", "x required;") == MASK
    assert display("connection.password", "${PG_PASSWORD}") == "${PG_PASSWORD}"
    assert display("batch.size", "100") == "100"
    assert display("batch.size", "100", frozenset({"batch.size"})) == MASK
    assert display("connection.password", None) is None
    config = {"connection.password": "x", "url": "${URL}", "topics": "t"}
    assert sensitive_keys(config) == {"connection.password", "url"}


def test_connector_edited_outside_streamt_is_restored():
    spec = connector("pg_sink", **{"batch.size": "100"})
    applied = {**spec.config, "name": "pg_sink"}
    led = ledger(entry(ResourceKind.CONNECTOR, "pg_sink", spec, live_digest=_digest(applied, spec)))
    same = ConnectorState("pg_sink", applied, "RUNNING", ())
    assert (
        _one(build_plan(desired(connectors=(spec,)), live(connectors=(same,)), led, OPTS)).action
        is Action.NOOP
    )
    edited = ConnectorState("pg_sink", {**applied, "batch.size": "5"}, "RUNNING", ())
    change = _one(build_plan(desired(connectors=(spec,)), live(connectors=(edited,)), led, OPTS))
    assert change.action is Action.UPDATE and "edited outside streamt" in change.reason
    assert [(a.key, a.before, a.after) for a in change.attributes] == [("batch.size", "5", "100")]


def _digest(config, spec):  # type: ignore[no-untyped-def]
    from streamt.plan.connectors import live_config_digest

    return live_config_digest(config, spec)


# --- plan-level ----------------------------------------------------------------


def test_order_is_subjects_topics_jobs_connectors_then_name():
    plan = build_plan(
        desired(
            connectors=(connector("z_sink"),),
            jobs=(job("b_job"), job("a_job")),
            topics=(topic("t2"), topic("t1")),
            subjects=(subject("s-value"),),
        ),
        live(),
        ledger(),
        OPTS,
    )
    assert [(c.kind.value, c.name) for c in plan.changes] == [
        ("subject", "s-value"),
        ("topic", "t1"),
        ("topic", "t2"),
        ("flink_job", "a_job"),
        ("flink_job", "b_job"),
        ("connector", "z_sink"),
    ]


def test_scope_keeps_selected_nodes_and_never_deletes():
    keep, other = topic("keep"), topic("other")
    owned = entry(ResourceKind.TOPIC, "gone", topic("gone"))
    plan = build_plan(
        desired(topics=(keep, other)),
        live(topics=(topic_state("gone"),)),
        ledger(owned),
        PlanOptions(environment=ENV, scope=frozenset({keep.node})),
    )
    assert [(c.name, c.action) for c in plan.changes] == [("keep", Action.CREATE)]


def test_plan_is_deterministic_and_fingerprint_tracks_inputs():
    args = (desired(topics=(topic("a"),)), live(), ledger())
    assert build_plan(*args, OPTS) == build_plan(*args, OPTS)
    moved = build_plan(
        desired(topics=(topic("a"),)), live(jobs=(JobState("x", "p", "RUNNING"),)), ledger(), OPTS
    )
    assert moved.fingerprint.live != build_plan(*args, OPTS).fingerprint.live
    assert moved.fingerprint.desired == build_plan(*args, OPTS).fingerprint.desired


def test_existing_connector_not_in_ledger_is_refused_until_adopted():
    spec = connector("pg_sink", **{"batch.size": "100"})
    state = live(connectors=(ConnectorState("pg_sink", {"batch.size": "5"}, "RUNNING", ()),))
    change = _one(build_plan(desired(connectors=(spec,)), state, ledger(), OPTS))
    assert change.action is Action.REFUSED
    assert change.reason == "exists, not owned by this project (RUNNING)"
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    change = _one(build_plan(desired(connectors=(spec,)), state, ledger(), adopting))
    assert change.action is Action.UPDATE and change.reason.startswith("adopted (--adopt)")
    assert ("batch.size", "5", "100") in [(a.key, a.before, a.after) for a in change.attributes]


def test_a_narrowed_ledger_keeps_only_the_owners_of_the_projects_resources():
    owners = {
        (ResourceKind.TOPIC, "orders"): "billing/prod",
        (ResourceKind.TOPIC, "elsewhere"): "other/dev",
    }
    full = Ledger(PROJECT, ENV, (), owners)
    narrow = full.narrowed([(ResourceKind.TOPIC, "orders")])
    assert narrow.owners == {(ResourceKind.TOPIC, "orders"): "billing/prod"}
    # another project's unrelated resources never change this plan's fingerprint
    elsewhere = Ledger(PROJECT, ENV, (), {**owners, (ResourceKind.TOPIC, "x"): "y/z"})
    assert elsewhere.narrowed([(ResourceKind.TOPIC, "orders")]).fingerprint() == (
        narrow.fingerprint()
    )


def test_a_job_crash_looping_between_running_and_restarting_never_makes_a_plan_stale():
    spec = job("orders_clean")
    states = [live(jobs=(running(spec, "j1", s),)).fingerprint() for s in ("RUNNING", "RESTARTING")]
    assert states[0] == states[1]
    assert live(jobs=(running(spec, "j1", "FAILED"),)).fingerprint() != states[0]
    assert live(jobs=(running(spec, "j2", "RUNNING"),)).fingerprint() != states[0]


def test_the_plan_records_what_was_adopted_so_apply_plans_the_same():
    spec = topic("orders")
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node, "model.shop.a"}))
    plan = build_plan(
        desired(topics=(spec,)), live(topics=(topic_state("orders"),)), ledger(), adopting
    )
    assert plan.adopt == ("model.shop.a", "model.shop.orders")
    assert build_plan(desired(), live(), ledger(), OPTS).adopt == ()


def test_plan_carries_the_metadata_it_was_given():
    from streamt.resources import PlanMetadata

    meta = PlanMetadata(streamt_version="9.9.9", generated_at="2026-12-01T00:00:00Z")
    plan = build_plan(desired(), live(), ledger(), PlanOptions(environment=ENV, metadata=meta))
    assert plan.metadata == meta
