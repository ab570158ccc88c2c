"""Typed settings, loaded from YAML (``configs/default.yaml``).

Every section forbids unknown keys, so a typo is an error and never silently
ignored; errors name the file and the dotted key.
"""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from model.inputs import ContextSettings

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "configs" / "default.yaml"


class ConfigError(ValueError):
    """A configuration file that cannot be read or does not validate."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSettings(_Section):
    path: Path = Path("models/default")


class InferenceSettings(_Section):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int = Field(32, ge=1)
    threads: int = Field(0, ge=0)


class SegmentationSettings(_Section):
    default_language: str = Field("fr", min_length=2, max_length=8)


class Settings(_Section):
    model: ModelSettings = ModelSettings()
    context: ContextSettings = ContextSettings()
    inference: InferenceSettings = InferenceSettings()
    segmentation: SegmentationSettings = SegmentationSettings()


def load_settings(path: Path | str = DEFAULT_CONFIG_PATH) -> Settings:
    """Read and validate a YAML settings file; missing sections take their defaults."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}" for issue in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from error
