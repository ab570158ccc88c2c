"""Typed settings: the package's ``default.yaml``, a YAML file of the user's, and the environment.

Every section forbids unknown keys, so a typo is an error and never silently
ignored; errors name the file (or the environment variable) and the dotted key.
A file needs only the keys it changes: the defaults in the code are the values
of ``default.yaml`` (tests/test_config.py keeps them equal).

An environment variable ``PARLEY_<SECTION>__<KEY>`` overrides a key of the file
(``PARLEY_SERVING__PORT=9000``); `parley serve --workers N` hands its command
line options to its worker processes that way.
"""

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from model.pages import PageSettings
from training.settings import TrainingSettings

DEFAULT_CONFIG_PATH = Path(__file__).resolve().with_name("default.yaml")
# Every command's --config defaults to this variable's file, when it is set.
CONFIG_ENV = "PARLEY_CONFIG"
ENV_PREFIX = "PARLEY_"
ENV_NESTED_DELIMITER = "__"


class ConfigError(ValueError):
    """A configuration file that cannot be read or does not validate."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSettings(_Section):
    path: Path = Path("models/default")


class InferenceSettings(_Section):
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # auto: ONNX Runtime on the CPU when an export (`parley export MODEL --onnx`) sits in MODEL/onnx/, else torch.
    backend: Literal["auto", "torch", "onnx"] = "auto"
    batch_size: int = Field(32, ge=1)
    threads: int = Field(0, ge=0)


class SegmentationSettings(_Section):
    default_language: str = Field("fr", min_length=2, max_length=8)


class ServingSettings(_Section):
    """`parley serve`: where it listens, its limits, and how requests share forward passes."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1)
    max_body_bytes: int = Field(1_000_000, ge=1)
    max_segments_per_document: int = Field(2000, ge=1)
    max_chars_per_segment: int = Field(2000, ge=1)
    max_documents_per_batch: int = Field(64, ge=1)
    max_batch_size: int = Field(32, ge=1)
    max_wait_ms: float = Field(5.0, ge=0)
    request_timeout_s: float = Field(30.0, gt=0)
    # On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish for at most this long.
    shutdown_timeout_s: float = Field(30.0, gt=0)
    # Origins allowed to call the API from a browser (CORS); empty: no CORS headers at all.
    cors_origins: list[str] = []
    # POST /v1/admin/reload is enabled only when the environment variable named here holds a token.
    admin_token_env: str | None = Field("PARLEY_ADMIN_TOKEN", min_length=1)
    # A reload may only name a model folder under this folder.
    models_root: Path = Path("models")
    log_level: Literal["debug", "info", "warning", "error"] = "info"


class FeedbackSettings(_Section):
    """`POST /v1/feedback` and `parley feedback`: where corrections are stored, and who may send them."""

    # SQLAlchemy URL: sqlite:///PATH (relative to the working folder) or postgresql://USER:PASSWORD@HOST/DB.
    database_url: str = Field("sqlite:///data/feedback.sqlite3", min_length=1)
    # On a server bound to another address than loopback, feedback needs the bearer token in this variable.
    token_env: str | None = Field("PARLEY_FEEDBACK_TOKEN", min_length=1)
    max_items_per_request: int = Field(100, ge=1)


class Settings(BaseSettings):
    """Every section; the environment's ``PARLEY_<SECTION>__<KEY>`` variables override what is passed in."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        env_ignore_empty=True,  # PARLEY_SERVING__PORT= (empty) leaves the key as the file has it
    )

    model: ModelSettings = ModelSettings()
    page: PageSettings = PageSettings()
    inference: InferenceSettings = InferenceSettings()
    segmentation: SegmentationSettings = SegmentationSettings()
    serving: ServingSettings = ServingSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    training: TrainingSettings = TrainingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment first, then what was passed in (a file's sections); no .env or secret files.
        return env_settings, init_settings


def environment_name(section: str, key: str) -> str:
    """The environment variable that overrides ``section.key``."""
    return f"{ENV_PREFIX}{section}{ENV_NESTED_DELIMITER}{key}".upper()


def load_settings(path: Path | str = DEFAULT_CONFIG_PATH) -> Settings:
    """Read and validate a YAML settings file, with the environment's overrides; missing keys take their defaults."""
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
    if "context" in raw:
        raise ConfigError(
            f"{path}: the `context` section set up the pair models of Parley 2; page models read a `page` "
            f"section instead (see {DEFAULT_CONFIG_PATH})"
        )
    try:
        return Settings(**raw)
    except ValidationError as error:
        problems = "; ".join(_problem(issue["loc"], issue["msg"]) for issue in error.errors())
        raise ConfigError(f"{path}: {problems}") from error


def _problem(location: tuple, message: str) -> str:
    """``section.key: message``, naming the environment variable when one set that key."""
    key = ".".join(str(part) for part in location)
    variable = environment_name(str(location[0]), str(location[1])) if len(location) >= 2 else None
    source = f" (from ${variable})" if variable and variable in os.environ else ""
    return f"{key}{source}: {message}"
