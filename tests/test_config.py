from pathlib import Path

import pytest

from parley.config import DEFAULT_CONFIG_PATH, ConfigError, Settings, load_settings


def test_default_config_loads_with_the_documented_values():
    settings = load_settings(DEFAULT_CONFIG_PATH)
    assert settings.model.path == Path("models/default")
    assert settings.page.max_length == 512
    assert settings.page.pooling == "span"
    assert settings.inference.device == "auto"


def test_missing_sections_take_their_defaults(tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("inference:\n  batch_size: 8\n")
    settings = load_settings(path)
    assert settings.inference.batch_size == 8
    assert settings.page.context_tokens == 64


def test_unknown_key_is_named_with_the_file(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("page:\n  max_lenght: 3\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(path) in str(raised.value)
    assert "page.max_lenght" in str(raised.value)


def test_a_pair_model_context_section_is_refused_with_its_reason(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("context:\n  window: 2\n")
    with pytest.raises(ConfigError, match=r"pair models of Parley 2.*`page` section"):
        load_settings(path)


def test_bad_value_is_named_with_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("inference:\n  device: tpu\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: inference\.device"):
        load_settings(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("page: [1, 2\n", "not valid YAML"), ("- a list\n", "expected a mapping")],
)
def test_unreadable_yaml_is_refused(tmp_path, content, message):
    path = tmp_path / "broken.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "absent.yaml")


def test_the_code_defaults_are_the_default_file():
    # A config that leaves a key out must train and serve the shipped recipe, not another one.
    assert load_settings(DEFAULT_CONFIG_PATH) == Settings()


def test_an_environment_variable_overrides_the_file(tmp_path, monkeypatch):
    path = tmp_path / "serve.yaml"
    path.write_text("serving:\n  port: 8100\n  host: 0.0.0.0\n")
    monkeypatch.setenv("PARLEY_SERVING__PORT", "9000")
    settings = load_settings(path)
    assert settings.serving.port == 9000
    assert settings.serving.host == "0.0.0.0"


def test_a_bad_environment_value_is_named_by_its_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_INFERENCE__DEVICE", "tpu")
    with pytest.raises(ConfigError, match=r"inference\.device \(from \$PARLEY_INFERENCE__DEVICE\)"):
        load_settings(DEFAULT_CONFIG_PATH)


def test_other_parley_variables_are_not_settings(monkeypatch):
    monkeypatch.setenv("PARLEY_ADMIN_TOKEN", "x" * 20)
    assert load_settings(DEFAULT_CONFIG_PATH) == Settings()
