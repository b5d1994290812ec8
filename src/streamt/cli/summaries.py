"""The one-line summary of each command, for `streamt --help`.

Listing the commands from these strings keeps `--help` from importing every command module
(and pydantic, sqlglot, httpx, confluent-kafka behind them). tests/unit/cli/test_help_is_cheap.py
checks each summary against the first paragraph of its command's own help.
"""

SUMMARIES: dict[str, str] = {
    "apply": "Create, update, upgrade and (with --allow-destructive) delete resources.",
    "compile": "Compile topics, schemas, Flink SQL jobs, connectors and gateway rules.",
    "debug": "Show the resolved runtime (credentials masked) and probe Kafka, the ledger topic, Schema Registry, Flink REST, SQL Gateway and Connect (versions, round trips, plugins).",
    "destroy": "Remove every resource streamt created for this project (ledger-owned only).",
    "docs": "An offline documentation site: pages per node, lineage graph, column lineage.",
    "envs": "The project's environments (environments/<env>.yml).",
    "explain": "Explain a diagnostic code such as S001: its meaning, an example and the fix.",
    "init": "Create a new project: stream_project.yml, sources/, models/, tests/, environments/.",
    "lineage": "Show how sources, models and exposures depend on each other (or one column's lineage).",
    "local": "Run the local stack: Kafka, Flink + SQL Gateway, Kafka Connect, Schema Registry.",
    "plan": "Show the changes apply would make (create / update / upgrade / replace / delete).",
    "rollback": "Restore MODEL's previous Flink job version from the savepoint taken at its upgrade.",
    "schema": "Print the JSON Schema of stream_project.yml (or, with --environment / --nodes, of the other project files). Point an editor at it with `# yaml-language-server: $schema=<file>` as the first line of a YAML file (streamt init writes it).",
    "schemas": "Work with the Schema Registry subjects behind sources.",
    "status": "Show what runs, how far behind it is, and where it drifted from what streamt applied.",
    "test": "Check the data: schemas, sampled records, continuous violation jobs and model unit tests.",
    "validate": "Check the project: references, cycles, names, SQL, and governance rules (all of it; --select/--exclude only narrow which nodes' problems are reported).",
}
