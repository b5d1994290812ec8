"""JUnit XML for CI (Jenkins, GitLab, GitHub test reporters). Pure: returns text.

One `<testsuite>` per test type inside `<testsuites>`; one `<testcase>` per data test with
`<failure>` (assertion failed), `<error>` (could not run) or `<skipped>`; messages and row
examples go in the element text. Shape per the Jenkins/Ant JUnit schema (our XSD copy, written
from jenkinsci/xunit-plugin's junit-10.xsd, is `tests/fixtures/junit.xsd`).
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone

from streamt.testing.results import Status, TestResult


def to_junit_xml(results: Sequence[TestResult], project: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name=f"streamt {project}")
    _counts(root, results)
    by_type: dict[str, list[TestResult]] = {}
    for r in results:
        by_type.setdefault(r.type, []).append(r)
    for type_name, group in sorted(by_type.items()):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{project}.{type_name}",
            timestamp=stamp,
            hostname=socket.gethostname() or "localhost",
        )
        _counts(suite, group)
        suite.set("skipped", str(sum(1 for r in group if r.status is Status.SKIPPED)))
        for r in group:
            _case(suite, r, project)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(element: ET.Element, results: Sequence[TestResult]) -> None:
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(1 for r in results if r.status is Status.FAIL)))
    element.set("errors", str(sum(1 for r in results if r.status is Status.ERROR)))
    element.set("time", f"{sum(r.duration_s for r in results):.3f}")


def _case(suite: ET.Element, r: TestResult, project: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=r.name,
        classname=f"{project}.{r.type}.{r.target}",
        time=f"{r.duration_s:.3f}",
    )
    if r.location.file:
        case.set("file", r.location.file)
        if r.location.line:
            case.set("line", str(r.location.line))
    if r.status is Status.PASS:
        return
    tag = {Status.FAIL: "failure", Status.ERROR: "error", Status.SKIPPED: "skipped"}[r.status]
    detail = ET.SubElement(case, tag, message=_clean(r.message or tag), type=f"streamt.{r.type}")
    detail.text = _clean(_body(r))


def _body(r: TestResult) -> str:
    lines = [r.message]
    for o in r.outcomes:
        if not o.passed:
            lines.append(f"{o.assertion}: {o.message}")
            lines.extend(f"  e.g. {dict(e)}" for e in o.examples)
    if r.diff:
        lines.append(r.diff)
    return "\n".join(x for x in lines if x)


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters from odd data)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
