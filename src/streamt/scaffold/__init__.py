"""`streamt init`: a new project's files, as values first (`render_scaffold`), then written
(`write_scaffold`) into an empty or new folder.

The scaffold is a working pipeline on the local stack: one source with declared columns, one
`.sql` model that filters it, a sample data test, a `dev` environment, `.env.example`,
`.gitignore` and a README of next steps. `stream_project.yml` starts with the
`yaml-language-server` line that points editors at the project JSON Schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from streamt.diagnostics import Diagnostic, Location, StreamtError
from streamt.load.names import NameKind, hint_for, name_problem

PROJECT_FILE = "stream_project.yml"


@dataclass(frozen=True)
class Answers:
    """What `init` asks (or takes from options with `--no-input`)."""

    name: str
    topic: str = "events.raw.v1"  # the source topic the example model reads


@dataclass(frozen=True)
class SourceDraft:
    """A source `init --from-cluster` writes: a topic and the columns of its registry schema."""

    name: str
    topic: str
    columns: tuple[tuple[str, str], ...] = ()  # (name, Flink type); () = inferred from use
    format: str = ""  # avro-confluent when the registry holds an Avro value schema


def schema_path(kind: str = "project") -> Path:
    """The JSON Schema of a `project`, `environment` or `nodes` file shipped with this
    installation (what the editor line names; `streamt schema` prints it)."""
    import streamt.load

    return Path(streamt.load.__file__).parent / f"{kind}.schema.json"


def editor_line(kind: str) -> str:
    """The first line of a scaffolded YAML file: its schema, for the YAML language server."""
    return f"# yaml-language-server: $schema={schema_path(kind).as_uri()}\n"


def check_answers(answers: Answers) -> None:
    """L090: a project name or topic that breaks the name policy."""
    problems = [
        Diagnostic(
            "L090",
            f"{what} '{value}' cannot be used: {why}",
            location=Location(PROJECT_FILE),
            hint=hint_for(kind),
        )
        for what, kind, value in (
            ("project name", NameKind.PROJECT, answers.name),
            ("topic", NameKind.TOPIC, answers.topic),
        )
        if (why := name_problem(kind, value))
    ]
    if problems:
        raise StreamtError(problems, exit_code=2)


def render_scaffold(
    answers: Answers, sources: Sequence[SourceDraft] = (), bootstrap: str = ""
) -> dict[str, str]:
    """Relative path -> file text. With `sources` (from a cluster), those sources replace the
    example's, and the example model and test are left out; `bootstrap` then goes into the dev
    environment."""
    check_answers(answers)
    files = {
        PROJECT_FILE: _project(answers),
        ".gitignore": "target/\n.env\n.env.*\n!.env.example\n",
        ".env.example": _ENV_EXAMPLE,
        "environments/dev.yml": _dev_env(bootstrap),
        "README.md": _readme(answers, bool(sources)),
    }
    nodes = editor_line("nodes")
    if sources:
        files["sources/cluster.yml"] = nodes + _sources_yaml(sources)
    else:
        files["sources/events.yml"] = nodes + _EVENTS.format(topic=answers.topic)
        files["models/events_clean.sql"] = _MODEL
        files["models/events_clean.yml"] = nodes + _MODEL_YML
        files["tests/events_clean.yml"] = nodes + _TEST
    return files


def write_scaffold(target: Path, files: Mapping[str, str]) -> list[Path]:
    """Write `files` under `target` (created); L091 when `target` already holds a project or
    any of the files, so nothing is ever overwritten."""
    clashes = [rel for rel in (PROJECT_FILE, *files) if (target / rel).exists()]
    if clashes:
        raise StreamtError(
            Diagnostic(
                "L091",
                f"{target} already has {', '.join(sorted(set(clashes))[:4])}: init writes only "
                "into a new or empty folder and never overwrites a file",
                location=Location(str(target / sorted(set(clashes))[0])),
                hint="choose another folder: streamt init NEW_DIR",
            ),
            exit_code=1,
        )
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def _project(answers: Answers) -> str:
    return f"""\
{editor_line("project")}project:
  name: {answers.name}
  version: "0.1.0"
  description: A streaming pipeline made with streamt init
  default_environment: dev  # used when neither --env nor STREAMT_ENV names one

# No runtime: section: the project runs on the local stack (`streamt local up`).
# Point it at other clusters per environment in environments/<env>.yml (see environments/dev.yml).

# Sources, models, tests and exposures live in the folders next to this file:
# sources/*.yml, models/*.sql (+ models/*.yml), tests/*.yml, exposures/*.yml.
"""


_ENV_EXAMPLE = """\
# Copy to .env (git-ignored) and fill in. `${VAR}` in stream_project.yml and
# environments/*.yml reads these; the shell's environment wins over this file.
# KAFKA_BOOTSTRAP=broker-1.example.com:9092
# KAFKA_USERNAME=app
# KAFKA_PASSWORD=
# SCHEMA_REGISTRY_URL=https://registry.example.com
"""


def _dev_env(bootstrap: str) -> str:
    runtime = (
        f"runtime:\n  kafka:\n    bootstrap_servers: {bootstrap}\n"
        if bootstrap
        else "# runtime: omitted -> the local stack. For a remote cluster, e.g.:\n"
        "# runtime:\n#   kafka:\n#     bootstrap_servers: ${KAFKA_BOOTSTRAP}\n"
    )
    return f"""\
{editor_line("environment")}# `streamt plan -e dev` (or STREAMT_ENV=dev) selects this environment.
environment:
  name: dev
  description: Development
{runtime}"""


_EVENTS = """\
sources:
  - name: events
    description: Raw events, produced outside streamt
    topic: {topic}
    columns:
      - name: event_id
        type: STRING
      - name: user_id
        type: STRING
      - name: event_type
        type: STRING
"""

_MODEL = """\
-- models/events_clean.sql: the file name is the model name; it writes the topic events_clean.
SELECT event_id, user_id, event_type
FROM {{ source("events") }}
WHERE event_id IS NOT NULL
"""

_MODEL_YML = """\
models:
  - name: events_clean
    description: Events with an id (the SQL is models/events_clean.sql)
"""

_TEST = """\
tests:
  - name: events_clean_sample
    model: events_clean
    type: sample
    sample_size: 100
    assertions:
      - not_null: {columns: [event_id]}
      - accepted_values: {column: event_type, values: [click, view, purchase]}
"""


def _readme(answers: Answers, from_cluster: bool) -> str:
    first = (
        "Your sources were read from the cluster (`sources/cluster.yml`). Add a model over one:\n"
        '`models/<name>.sql` with `SELECT ... FROM {{ source("<source>") }}`.\n'
        if from_cluster
        else "The example reads `"
        + answers.topic
        + "` and writes `events_clean`. Produce a few events first:\n\n"
        "```bash\n"
        'printf \'%s\\n\' \'{"event_id":"e1","user_id":"u1","event_type":"click"}\' \\\n'
        f"  | streamt local produce {answers.topic}\n"
        "```\n"
    )
    return f"""\
# {answers.name}

A streamt project: YAML + SQL compiled into Kafka topics, Flink SQL jobs and Connect connectors.

## Next steps

```bash
streamt local up --wait   # the local stack: Kafka, Flink, Connect, Schema Registry
streamt debug             # is every system reachable? (versions, round trips)
streamt validate          # every problem at once, with file:line and a hint
```

{first}
```bash
streamt plan              # what apply would change
streamt apply             # create the topics, submit the jobs
streamt test              # the data tests in tests/
streamt local consume events_clean
```

Layout: `stream_project.yml` (project, optional `runtime:`), `sources/`, `models/` (`.sql`
files named after their model, `.yml` for their settings), `tests/`, `environments/<env>.yml`
(`-e <env>`), `.env` (copy `.env.example`), `target/` (generated, git-ignored).
"""


def _sources_yaml(sources: Sequence[SourceDraft]) -> str:
    import yaml

    items = []
    for s in sources:
        item: dict[str, object] = {"name": s.name, "topic": s.topic}
        if s.format:
            item["format"] = s.format
        if s.columns:
            item["columns"] = [{"name": n, "type": t} for n, t in s.columns]
        items.append(item)
    header = "# Written by `streamt init --from-cluster`: columns from the registry's schemas.\n"
    return header + yaml.safe_dump({"sources": items}, sort_keys=False)
