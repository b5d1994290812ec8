"""The plan room: a pure diff of (desired, live, ledger) into an ordered, frozen `Plan`.

In: `DesiredState` (compile), `LiveState` (observed values), `Ledger` (what streamt deployed).
Out: `Plan` (a `streamt.resources` value; `streamt.artifacts.plan_file` writes it as `plan.json`)
and its text rendering.
No I/O, no clients: everything arrives as values.
"""

from streamt.plan.builder import PlanOptions, build_plan, plan_with_problems
from streamt.plan.inputs import Compatibility, LiveState
from streamt.plan.ledger import Ledger
from streamt.plan.render import render_text
from streamt.plan.sources import SourceOrigin
from streamt.resources import (
    Action,
    Change,
    EntryStatus,
    JobVersion,
    LedgerEntry,
    Plan,
    ResourceKind,
)

__all__ = [
    "Action",
    "Change",
    "Compatibility",
    "EntryStatus",
    "JobVersion",
    "Ledger",
    "LedgerEntry",
    "LiveState",
    "Plan",
    "PlanOptions",
    "ResourceKind",
    "SourceOrigin",
    "build_plan",
    "plan_with_problems",
    "render_text",
]
