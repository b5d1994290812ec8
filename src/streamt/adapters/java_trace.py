"""The cause worth showing from a Java stack trace (an entry of Flink's exception history).

A job that dies on one record reports wrapper after wrapper: "Failed to deserialize consumer
record due to" -> "Failed to deserialize JSON '{...}'" -> "Could not forward element to next
operator" (once per chained operator) -> a `java.lang.NullPointerException` without message.
The outermost line and the last `Caused by:` alone say nothing a user can act on, so
`meaningful_cause` keeps:
- the deepest cause that carries a message, skipping wrappers (a message-less deepest cause is
  kept with the class of the frame that threw it, e.g. `StreamRecordTimestampInserter`, and a
  plain-words reading when that operator is known: a NULL event time);
- the record, when the format quoted it ("Failed to deserialize JSON '...'"), with control
  characters escaped;
- the operator chain (the entry's task name) when Flink gave one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CAUSE = 600
WRAPPERS = (
    "Could not forward element to next operator",
    "Failed to deserialize consumer record",
    "Failed to deserialize JSON",
)
RECORD_PREFIX = "Failed to deserialize JSON '"
NULL_ROWTIME = (
    "a NULL event-time (rowtime) value: the record lacks its event-time field, or it is null"
)
RECORD_MARK, OPERATOR_MARK = "; record: ", "; operator: "
AVRO_BODY = "an Avro record body that does not decode with the schema its id names"
KNOWN_OPERATORS = {
    "StreamRecordTimestampInserter": NULL_ROWTIME,
    "WatermarkAssignerOperator": NULL_ROWTIME,
    "BinaryDecoder": AVRO_BODY,
}


@dataclass(frozen=True)
class _Cause:
    text: str  # "java.io.IOException: message" (or just the class)
    frame: str  # the first `at` frame under it ("" when the trace elides it)

    @property
    def message(self) -> str:
        head, sep, rest = self.text.partition(": ")
        return rest.strip() if sep and "." in head and " " not in head else ""

    @property
    def wrapper(self) -> bool:
        return any(self.message.startswith(w) for w in WRAPPERS)


def _chain(trace: str) -> list[_Cause]:
    causes: list[_Cause] = []
    for raw in trace.strip().splitlines():
        line = raw.strip()
        if not line or line.startswith("..."):
            continue
        if line.startswith("at "):
            if causes and not causes[-1].frame:
                causes[-1] = _Cause(causes[-1].text, line.removeprefix("at "))
            continue
        if raw.startswith(("\t", " ")) and causes:
            continue  # a suppressed exception or a continuation: not part of the chain
        if causes and not line.startswith("Caused by:"):
            continue  # a multi-line message: its first line is enough
        causes.append(_Cause(line.removeprefix("Caused by:").strip(), ""))
    return causes


def _operator(frame: str) -> str:
    """`org.x.StreamRecordTimestampInserter.processElement(F.java:50)` -> the class's name."""
    qualified = frame.split("(", 1)[0].rsplit(".", 1)[0]
    return qualified.rsplit(".", 1)[-1].split("$", 1)[0]


def _record(chain: list[_Cause]) -> str:
    for cause in chain:
        message = cause.message
        if message.startswith(RECORD_PREFIX):
            text = message.removeprefix(RECORD_PREFIX).rstrip(".").removesuffix("'")
            return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return ""


def meaningful_cause(trace: str, task: str = "") -> str:
    chain = _chain(trace)
    if not chain:
        return ""
    meaningful = [c for c in chain if c.message and not c.wrapper]
    deepest = chain[-1]
    if deepest.message or not deepest.frame:
        found = meaningful[-1].text if meaningful else deepest.text
    else:
        operator = _operator(deepest.frame)
        found = f"{deepest.text} in {operator}"
        if operator in KNOWN_OPERATORS:
            found += f": {KNOWN_OPERATORS[operator]}"
    record = _record(chain)
    if record:
        found += f"{RECORD_MARK}{record}"
    if task:
        found += f"{OPERATOR_MARK}{task.split(' (', 1)[0]}"
    return found if len(found) <= MAX_CAUSE else found[: MAX_CAUSE - 3] + "..."


def quoted_record(cause: str) -> bytes | None:
    """The record a `meaningful_cause` quoted, as the bytes Kafka held (its escapes undone)."""
    _, found, rest = cause.partition(RECORD_MARK)
    if not found:
        return None
    text = rest.split(OPERATOR_MARK, 1)[0]
    out, i = [], 0
    while i < len(text):
        if text.startswith("\\x", i) and len(text) >= i + 4:
            out.append(chr(int(text[i + 2 : i + 4], 16)))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out).encode()


UNKNOWN_SCHEMA = re.compile(r"Schema (\d+) not found")


def unknown_schema_id(cause: str) -> int | None:
    """The schema id of "Schema N not found" (an Avro record whose writer schema the registry
    does not know), else None."""
    found = UNKNOWN_SCHEMA.search(cause)
    return int(found.group(1)) if found else None


NOT_CONFLUENT = "Unknown data format. Magic number does not match"


def not_confluent_avro(cause: str) -> bool:
    """Whether the avro-confluent format refused a record whose first byte is not the Confluent
    magic byte 0 (bytes some other writer produced)."""
    return NOT_CONFLUENT in cause


def undecodable_avro_body(cause: str) -> bool:
    """Whether Avro's decoder failed inside a record's body (its header was fine): the body is
    shorter than, or not written with, the schema its id names."""
    return AVRO_BODY in cause
