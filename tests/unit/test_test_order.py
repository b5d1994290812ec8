"""`--reverse` / STREAMT_TEST_ORDER=reverse (tests/conftest.py) turn the collected order around,
for the proof that no integration test depends on what an earlier one left."""

from __future__ import annotations

import pytest

from tests.conftest import pytest_collection_modifyitems


class _Config:
    def __init__(self, reverse: bool) -> None:
        self.reverse = reverse

    def getoption(self, name: str) -> bool:
        assert name == "--reverse"
        return self.reverse


def _order(reverse: bool) -> list[str]:
    items = ["a", "b", "c"]
    pytest_collection_modifyitems(_Config(reverse), items)  # type: ignore[arg-type]
    return items


def test_the_option_or_the_variable_reverses_the_collected_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STREAMT_TEST_ORDER", raising=False)
    assert _order(False) == ["a", "b", "c"]
    assert _order(True) == ["c", "b", "a"]
    monkeypatch.setenv("STREAMT_TEST_ORDER", "reverse")
    assert _order(False) == ["c", "b", "a"]
    monkeypatch.setenv("STREAMT_TEST_ORDER", "forward")
    assert _order(False) == ["a", "b", "c"]
    monkeypatch.setenv("STREAMT_TEST_ORDER", "backwards")
    with pytest.raises(pytest.UsageError, match="use forward or reverse"):
        _order(False)
