"""Can a new version of a job restore the savepoint of the running one? Pure.

Flink SQL jobs submitted through the SQL Gateway carry no operator uids
(`table.exec.uid.generation` is `PLAN_ONLY`), so Flink derives each operator's id from the
shape of the stream graph (its `StreamGraphHasherV2`): the operator's place in a breadth-first
walk from the sources, how many successors are chained to it, and the ids of its inputs —
never what the operator computes. A savepoint's state goes to the operator with the same id.
So an upgrade keeps a stateful operator's state only when

- the new graph has an operator with the same id (else Flink refuses the savepoint: "Cannot map
  checkpoint/savepoint state for operator ..."), and
- that operator keeps the same state: same kind, same keys, same aggregates, same window (else
  the state is restored into an operator that means something else: a restore failure at best,
  counts of one key continued under another at worst).

`layout(text)` reads the stream graph `EXPLAIN JSON_EXECUTION_PLAN` prints ("== Physical
Execution Plan ==") into a `StateLayout`; `compare(old, new)` says what would not be restored.
Names in the operators' descriptions count: renaming a grouped column reads as a change (a
false alarm on the safe side).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from streamt.resources import digest

MARKER = "== Physical Execution Plan =="
# operators that keep no state between records: their ids may change freely
STATELESS = frozenset(
    {
        "Calc",
        "ConstraintEnforcer",
        "Correlate",
        "DropUpdateBefore",
        "Expand",
        "LocalGroupAggregate",
        "LocalWindowAggregate",
        "StreamRecordTimestampInserter",
        "Union",
        "WatermarkAssigner",
        "WindowTableFunction",
    }
)


@dataclass(frozen=True)
class Operator:
    uid: str  # the id Flink derives from the graph's shape (same shape -> same id)
    kind: str  # "GroupAggregate", "TableSourceScan", "Writer", ...
    state: str  # what its state means: the description without node numbers and output names
    label: str  # the description as Flink prints it, for messages

    @property
    def stateful(self) -> bool:
        return self.kind not in STATELESS


@dataclass(frozen=True)
class StateLayout:
    operators: tuple[Operator, ...]

    @property
    def stateful(self) -> tuple[Operator, ...]:
        return tuple(op for op in self.operators if op.stateful)


@dataclass(frozen=True)
class StateCheck:
    """The verdict for one job's upgrade: `compatible` None when it could not be checked."""

    compatible: bool | None
    lost: tuple[str, ...] = ()  # one line per stateful operator whose state would not restore
    kept: int = 0  # stateful operators whose state is restored
    unknown: str = ""  # why it could not be checked


class LayoutError(ValueError):
    pass


def layout(text: str) -> StateLayout:
    """The operators of the stream graph in an `EXPLAIN JSON_EXECUTION_PLAN` result."""
    start = text.find(MARKER)
    brace = text.find("{", start if start >= 0 else 0)
    if brace < 0:
        raise LayoutError("the EXPLAIN result holds no stream graph")
    try:
        graph, _ = json.JSONDecoder().raw_decode(text, brace)
    except ValueError as exc:
        raise LayoutError(f"the stream graph is not JSON: {exc}") from None
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    if not isinstance(nodes, list) or not all(isinstance(n, dict) for n in nodes):
        raise LayoutError("the stream graph has no node list")
    try:
        return _layout(nodes)
    except (KeyError, ValueError) as exc:
        raise LayoutError(f"the stream graph has a node without a valid id: {exc}") from None


def _layout(nodes: Sequence[Mapping[str, object]]) -> StateLayout:
    by_id = {int(str(n["id"])): n for n in nodes}
    inputs = {i: [int(str(p["id"])) for p in _preds(n)] for i, n in by_id.items()}
    outputs: dict[int, list[int]] = {i: [] for i in by_id}
    for target in sorted(by_id):
        for source in inputs[target]:
            outputs.setdefault(source, []).append(target)
    uids = _uids(by_id, inputs, outputs)
    described = {i: describe(str(n.get("contents", ""))) for i, n in by_id.items()}
    ops = []
    for i in sorted(by_id, key=lambda k: (uids.get(k, ""), k)):
        kind, state = described[i]
        label = state if kind in {"Writer", "Committer"} else _label(by_id[i])
        if kind not in STATELESS:
            state = " <- ".join([state, *_feeding(i, inputs, described)])
        ops.append(Operator(uids.get(i, f"unreached-{i}"), kind, state, label))
    return StateLayout(tuple(ops))


def _feeding(
    node: int, inputs: Mapping[int, list[int]], described: Mapping[int, tuple[str, str]]
) -> list[str]:
    """The projections of the stateless operators that feed `node` back to the previous
    stateful ones: what its keys and arguments are computed from (`Calc(select=[k2 AS k])`
    makes a `groupBy=[k]` mean k2). Filters are left out: a new WHERE keeps the state's
    meaning (rows it drops were counted before, as the user asked)."""
    out: list[str] = []
    todo = list(inputs[node])
    while todo:
        i = todo.pop(0)
        kind, state = described[i]
        if kind not in STATELESS:
            continue
        projection, where, _ = state.partition(", where=")
        out.append(projection + ")" if where else state)
        todo.extend(inputs[i])
    return out


def _preds(node: Mapping[str, object]) -> list[Mapping[str, object]]:
    preds = node.get("predecessors")
    return [p for p in preds if isinstance(p, dict)] if isinstance(preds, list) else []


def _uids(
    by_id: Mapping[int, Mapping[str, object]],
    inputs: Mapping[int, list[int]],
    outputs: Mapping[int, list[int]],
) -> dict[int, str]:
    """Flink's walk: sources by id, breadth first; a node is hashed once all its inputs are,
    from its position in the walk, its chained outputs and its inputs' hashes."""
    hashes: dict[int, str] = {}
    sources = sorted(i for i in by_id if not inputs[i])
    queue, seen = deque(sources), set(sources)
    while queue:
        node = queue.popleft()
        if any(i not in hashes for i in inputs[node]):
            seen.discard(node)  # revisited once its inputs are hashed
            continue
        chained = sum(1 for t in outputs.get(node, ()) if _chainable(by_id, inputs, node, t))
        hashes[node] = digest([len(hashes), chained, [hashes[i] for i in inputs[node]]])
        for target in outputs.get(node, ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return hashes


def _chainable(
    by_id: Mapping[int, Mapping[str, object]], inputs: Mapping[int, list[int]], s: int, t: int
) -> bool:
    if len(inputs[t]) != 1:
        return False
    edge = next((p for p in _preds(by_id[t]) if int(str(p["id"])) == s), {})
    same = by_id[s].get("parallelism") == by_id[t].get("parallelism")
    return same and edge.get("ship_strategy") == "FORWARD"


def describe(contents: str) -> tuple[str, str]:
    """(kind, state meaning) of an operator description such as
    `[4]:GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS c])` or `counts[5]: Writer`."""
    text = contents
    if text.startswith("["):
        text = text.partition("]:")[2]
    head, sep, tail = text.partition(": ")
    if sep and tail in {"Writer", "Committer"}:  # a sink's writer / committer of table `head`
        return tail, f"{tail} of {head.partition('[')[0]}"
    kind = text.split("(", 1)[0].split("[", 1)[0].strip()
    if kind == "TableSourceScan":  # the source's state: its read positions of one table
        path = text.partition("table=[[")[2].split(", ")[:3]  # catalog, database, table
        return kind, f"{kind}({'.'.join(p.rstrip(']') for p in path)})"
    return kind, _without_aliases(text)


def _without_aliases(text: str) -> str:
    """`select=[k, COUNT(*) AS c]` -> `select=[k, COUNT(*)]`: an output's name is not state."""
    out: list[str] = []
    rest = text
    while " AS " in rest:
        before, _, after = rest.partition(" AS ")
        out.append(before)
        cut = min((after.find(c) for c in ",])" if c in after), default=len(after))
        rest = after[cut:]
    out.append(rest)
    return "".join(out)


def _label(node: Mapping[str, object]) -> str:
    contents = str(node.get("contents", ""))
    return contents.partition("]:")[2] if contents.startswith("[") else contents


def compare(old: StateLayout, new: StateLayout) -> StateCheck:
    """What of `old`'s state a job with layout `new` would not restore."""
    by_uid = {op.uid: op for op in new.operators}
    lost: list[str] = []
    kept = 0
    for op in old.stateful:
        match = by_uid.get(op.uid)
        if match is None:
            lost.append(
                f"state of {op.label} dropped: the job's graph changed around it, so Flink "
                "finds no operator to restore it into"
            )
        elif (match.kind, match.state) != (op.kind, op.state):
            other = match.label
            if other == op.label:  # same operator, fed by other columns
                other = f"an operator fed by {match.state.partition(' <- ')[2] or 'other input'}"
            lost.append(
                f"state of {op.label} would be restored into {other}, which keeps other state"
            )
        else:
            kept += 1
    return StateCheck(compatible=not lost, lost=tuple(lost), kept=kept)
