import pytest

from streamt.config.environments import is_valid_env_name


@pytest.mark.parametrize("name", ["dev", "prod-eu", "a_b", "1st", "x" * 64, "A9"])
def test_valid_environment_names(name: str) -> None:
    assert is_valid_env_name(name)


@pytest.mark.parametrize(
    "name",
    ["", "x" * 65, "-dev", "_dev", "../prod", "a/b", "a.b", "dév", "a b", "é"],
)
def test_invalid_environment_names(name: str) -> None:
    assert not is_valid_env_name(name)
