"""One did-you-mean for every hint: `streamt.diagnostics.did_you_mean` (and `closest` under it),
the only code that looks for a near name."""

from __future__ import annotations

from pathlib import Path

from streamt.diagnostics import closest, did_you_mean

SRC = Path(__file__).resolve().parents[2] / "src" / "streamt"


def test_the_closest_choice_is_suggested_quoted_and_nothing_when_none_is_close() -> None:
    assert did_you_mean("ordrs", ["customers", "orders", "order_items"]) == "did you mean 'orders'?"
    assert did_you_mean("zzz", ["orders"]) == ""
    assert closest("ordrs", iter(["orders"])) == "orders"  # any iterable, read once
    assert closest("x", []) is None


def test_no_other_module_looks_for_near_names() -> None:
    users = sorted(
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "get_close_matches" in p.read_text() or "import difflib" in p.read_text()
    )
    assert users == ["diagnostics.py"]
