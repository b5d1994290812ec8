"""Plain-text rendering of a `Plan`, Terraform style.

`+ create`, `~ update`, `~ upgrade` (savepoint), `-/+ replace`, `- delete`, `= adopt`,
`! refused`; no-ops are counted, not listed. The text is deterministic (no timestamps) so it
can be golden-tested; the CLI adds colour on a terminal.
"""

from __future__ import annotations

from streamt.resources import Action, AttributeChange, Change, Plan

SYMBOL: dict[Action, str] = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.UPGRADE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.ADOPT: "=",
    Action.NOOP: " ",
    Action.REFUSED: "!",
}
_SUMMARY = (
    Action.CREATE,
    Action.UPDATE,
    Action.UPGRADE,
    Action.REPLACE,
    Action.DELETE,
    Action.ADOPT,
)


def render_change(change: Change) -> list[str]:
    flags = [
        f
        for f, on in (
            ("destructive", change.destructive),
            ("state-breaking", change.state_breaking),
        )
        if on
    ]
    tail = f" [{', '.join(flags)}]" if flags else ""
    lines = [
        f"  {SYMBOL[change.action]} {change.kind.value} {change.name}: "
        f"{change.action.value} - {change.reason}{tail}"
    ]
    if change.restore_from:
        lines.append(f"      from savepoint: {change.restore_from}")
    for attr in change.attributes:
        lines.extend(_attribute(attr))
    if change.hint:
        lines.append(f"      hint: {change.hint}")
    return lines


def _attribute(attr: AttributeChange) -> list[str]:
    multiline = "\n" in (attr.before or "") or "\n" in (attr.after or "")
    if not multiline:
        if attr.before is None:
            return [f"      {attr.key}: {attr.after}"]
        if attr.after is None:
            return [f"      {attr.key}: {attr.before} -> (removed)"]
        return [f"      {attr.key}: {attr.before} -> {attr.after}"]
    lines = [f"      {attr.key}:"]
    lines += [f"        - {line}" for line in (attr.before or "").splitlines()]
    lines += [f"        + {line}" for line in (attr.after or "").splitlines()]
    return lines


def summary(plan: Plan) -> str:
    parts = [f"{plan.count(a)} to {a.value}" for a in _SUMMARY]
    text = "Plan: " + ", ".join(parts) + f"; {plan.count(Action.NOOP)} unchanged."
    refused = plan.count(Action.REFUSED)
    if refused:
        text += f" {refused} refused: the plan cannot be applied."
    return text


def render_text(plan: Plan) -> str:
    scope = f", limited to {len(plan.scope)} node(s)" if plan.scope is not None else ""
    head = f"streamt plan: project {plan.project}, environment {plan.environment}{scope}"
    unchanged = plan.count(Action.NOOP)
    if not plan.has_changes:
        return f"{head}\n\nNo changes. Live infrastructure matches the project ({unchanged} up to date).\n"
    lines = [head, ""]
    for change in plan.changes:
        if change.is_change:
            lines.extend(render_change(change))
    lines += ["", summary(plan)]
    return "\n".join(lines) + "\n"
