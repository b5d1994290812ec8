"""`init --from-cluster`: the live cluster's topics and registry subjects, and a source per
chosen topic with the columns of its `<topic>-value` schema."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from streamt.adapters import SchemaRegistryClient, http_client
from streamt.adapters import probe as reach
from streamt.adapters.protocols import AdapterError
from streamt.compile.schemas import SchemaProblem, avro_columns, json_schema_columns
from streamt.diagnostics import UNREACHABLE, Diagnostic, Severity, StreamtError
from streamt.load.names import NameKind, name_problem
from streamt.resources import SubjectState
from streamt.scaffold import SourceDraft


@dataclass(frozen=True)
class Listing:
    topics: tuple[str, ...]  # without internal (`_`-prefixed) topics
    subjects: Mapping[str, SubjectState]  # `<topic>-value` -> its latest version (chosen topics)
    subject_names: frozenset[str] = frozenset()  # every subject the registry has


def list_cluster(bootstrap: str, registry_url: str | None, timeout_s: float = 5.0) -> Listing:
    """One metadata request to Kafka and one subject-name listing from the registry; L092
    (exit 5) when either cannot be reached; `with_schemas` then fetches the chosen schemas."""
    tcp = reach.tcp(bootstrap, timeout_s)
    meta = reach.kafka_metadata(bootstrap, {}, "", timeout_s) if tcp.ok else tcp
    if not meta.ok:
        raise _unreachable(f"Kafka at {bootstrap}", meta.detail)
    topics = tuple(t for t in meta.facts["topics"] if not t.startswith("_"))
    names: frozenset[str] = frozenset()
    if registry_url:
        try:
            names = frozenset(_registry(registry_url, timeout_s).subject_names())
        except AdapterError as exc:
            raise _unreachable(f"the Schema Registry at {registry_url}", str(exc)) from None
    return Listing(topics, {}, names)


def with_schemas(
    listing: Listing, registry_url: str, chosen: Sequence[str], timeout_s: float = 5.0
) -> Listing:
    """`listing` with the latest `<topic>-value` schema of each chosen topic that has one (one
    request each)."""
    wanted = [f"{t}-value" for t in chosen if f"{t}-value" in listing.subject_names]
    if not wanted:
        return listing
    client = _registry(registry_url, timeout_s)
    try:
        found = {s: client.latest(s) for s in wanted}
    except AdapterError as exc:
        raise _unreachable(f"the Schema Registry at {registry_url}", str(exc)) from None
    subjects = {s: state for s, state in found.items() if state is not None}
    return Listing(listing.topics, subjects, listing.subject_names)


def _registry(url: str, timeout_s: float) -> SchemaRegistryClient:
    return SchemaRegistryClient(http_client(url, timeout_s=timeout_s))


def _unreachable(what: str, why: str) -> StreamtError:
    return StreamtError(
        Diagnostic(
            "L092",
            f"init --from-cluster cannot list {what}: {why}",
            hint="start the local stack (streamt local up) or pass --bootstrap-servers / "
            "--registry-url",
        ),
        exit_code=UNREACHABLE,
    )


def source_name(topic: str) -> str:
    """A source name from a topic: `orders.v1` -> `orders_v1`."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", topic).strip("_") or "source"
    return name if name[0].isalpha() or name[0] == "_" else f"t_{name}"


def drafts(listing: Listing, chosen: Sequence[str]) -> tuple[list[SourceDraft], list[Diagnostic]]:
    """One source per chosen topic; L093 for a name that is not a listed topic, L094 (a
    warning) for a value schema whose columns cannot be read (the source then infers them)."""
    out, diags = [], []
    for topic in chosen:
        if topic not in listing.topics or name_problem(NameKind.TOPIC, topic):
            diags.append(
                Diagnostic(
                    "L093",
                    f"'{topic}' is not a topic of the cluster",
                    hint="topics: " + (", ".join(listing.topics[:20]) or "none"),
                )
            )
            continue
        state = listing.subjects.get(f"{topic}-value")
        columns: tuple[tuple[str, str], ...] = ()
        fmt = ""
        if state is not None:
            kind = (state.schema_type or "AVRO").upper()
            try:
                if kind == "AVRO":
                    cols = avro_columns(state.schema)
                    fmt = "avro-confluent"
                elif kind == "JSON":
                    cols = json_schema_columns(state.schema)
                else:
                    raise SchemaProblem(f"{kind} schemas are not read yet")
                columns = tuple((c.name, c.type.sql(with_nullability=False)) for c in cols)
            except SchemaProblem as exc:
                fmt = ""
                diags.append(
                    Diagnostic(
                        "L094",
                        f"subject '{state.subject}': {exc}; its columns are left to inference",
                        Severity.WARNING,
                    )
                )
        out.append(SourceDraft(source_name(topic), topic, columns, fmt))
    return out, diags
