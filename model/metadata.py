"""What a Parley model carries besides its weights, in its ``config.json``.

Under the key ``parley``: its name and version, the backbone it was fine-tuned
from, the per-label thresholds tuned on the dev split, and the page settings
it was trained with (inference must build its windows the same way). Keeping
all of it in the HF config means any HF tool still loads the model, and the
model folder is the only thing to ship.
"""

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from transformers import PretrainedConfig

from model.labels import LABELS
from model.pages import PageSettings

CONFIG_KEY = "parley"
DEFAULT_THRESHOLD = 0.5
# Models of Parley 2 and earlier read one (segment, context) pair per segment; their metadata has this key.
PAIR_FORMAT_KEY = "context"


class MetadataError(ValueError):
    """A model's ``parley`` metadata is malformed."""


class PairFormatError(MetadataError):
    """A model of the pair format (Parley 2 and earlier), which this version cannot run."""


class ModelMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "parley"
    version: str = "0.0.0"
    backbone: str = "unknown"
    thresholds: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(LABELS, DEFAULT_THRESHOLD))
    page: PageSettings = PageSettings()

    @field_validator("thresholds")
    @classmethod
    def _one_threshold_per_label(cls, thresholds: dict[str, float]) -> dict[str, float]:
        if set(thresholds) != set(LABELS):
            raise ValueError(f"thresholds must name exactly {list(LABELS)}, got {sorted(thresholds)}")
        for label, value in thresholds.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"threshold for {label} must lie in [0, 1], got {value}")
        return {label: thresholds[label] for label in LABELS}


def read_metadata(config: PretrainedConfig) -> ModelMetadata | None:
    """The model's metadata, or None when its config has none (not trained by Parley)."""
    raw = getattr(config, CONFIG_KEY, None)
    if raw is None:
        return None
    if isinstance(raw, dict) and PAIR_FORMAT_KEY in raw and "page" not in raw:
        raise PairFormatError(
            f"{raw.get('name', 'this model')} {raw.get('version', '')} is a model of the pair format (Parley 2 "
            "and earlier: one (segment, context) pair per segment), which this Parley no longer runs: it reads "
            "whole pages in windows. Retrain it on the same data with `parley train` (`make model` for the "
            "default model), or serve it with Parley 2.x"
        )
    try:
        return ModelMetadata.model_validate(raw)
    except ValidationError as error:
        raise MetadataError(f"config.json key '{CONFIG_KEY}' is invalid: {error}") from error


def write_metadata(config: PretrainedConfig, metadata: ModelMetadata) -> None:
    """Store metadata in the config; it is written with ``save_pretrained``."""
    setattr(config, CONFIG_KEY, metadata.model_dump(mode="json"))
