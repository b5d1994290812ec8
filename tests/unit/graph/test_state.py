from streamt.graph.state import modified_nodes

BEFORE = {
    "metadata": {"generator": "streamt 0.1"},
    "nodes": [
        {"id": "model.p.a", "query": "SELECT 1"},
        {"id": "model.p.b", "query": "SELECT 2"},
        {"id": "source.p.s", "topic": "s"},
    ],
    "topics": [
        {"name": "a", "node": "model.p.a", "partitions": 1},
        {"name": "b", "node": "model.p.b", "partitions": 1},
    ],
    "flink_jobs": [{"name": "a", "node": "model.p.a", "data_fingerprint": "x"}],
}


def test_unchanged_manifest_has_no_modified_nodes() -> None:
    after = {**BEFORE, "metadata": {"generator": "streamt 0.2"}}
    assert modified_nodes(BEFORE, after) == frozenset()


def test_changes_to_a_node_or_its_artifacts_and_new_nodes_are_modified() -> None:
    after = {
        **BEFORE,
        "nodes": [*BEFORE["nodes"], {"id": "model.p.c", "query": "SELECT 3"}],
        "topics": [
            {"name": "a", "node": "model.p.a", "partitions": 1},
            {"name": "b", "node": "model.p.b", "partitions": 6},
        ],
        "flink_jobs": [{"name": "a", "node": "model.p.a", "data_fingerprint": "y"}],
    }
    assert modified_nodes(BEFORE, after) == {"model.p.a", "model.p.b", "model.p.c"}
