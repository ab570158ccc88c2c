"""An interrupted training run resumes from its last complete checkpoint and writes its model folder only at
the end, atomically."""

import json

import pytest
from transformers import AutoTokenizer

from model.predictor import Predictor
from tests.test_train import settings_for, write_pages
from training.data import read_documents
from training.train import WeightedLossTrainer, build_dataset, last_complete_checkpoint, token_batches, train


class Interrupted(Exception):
    """Stands for a kill (Ctrl-C, OOM, a lost machine) in the middle of a run."""


def test_an_interrupted_run_resumes_from_its_last_checkpoint(tiny_model_dir, tmp_path, monkeypatch):
    train_file = write_pages(tmp_path / "train.jsonl", "train", copies=4)
    dev_file = write_pages(tmp_path / "dev.jsonl", "dev", copies=1)
    settings = settings_for(tiny_model_dir, tmp_path, epochs=3)
    options = settings.training
    windows = build_dataset(
        AutoTokenizer.from_pretrained(tiny_model_dir),
        read_documents([train_file]),
        settings.page,
        alone_share=options.alone_share,
        seed=options.seed,
    )
    per_epoch = len(token_batches(windows, options, settings.page))
    assert per_epoch >= 2
    output = tmp_path / "model"
    checkpoints = tmp_path / "runs" / "model"

    original_save = WeightedLossTrainer._save_checkpoint

    def save_then_die(self, *args, **kwargs):
        original_save(self, *args, **kwargs)
        raise Interrupted(f"killed after step {self.state.global_step}")

    monkeypatch.setattr(WeightedLossTrainer, "_save_checkpoint", save_then_die)
    with pytest.raises(Interrupted, match=f"killed after step {per_epoch}$"):
        train(settings.training, settings.page, train_files=[train_file], dev_files=[dev_file], output_dir=output)
    monkeypatch.undo()
    assert not output.exists()  # nothing half-written in place
    assert [path.name for path in output.parent.iterdir() if path.name.startswith(".model")] == []
    assert last_complete_checkpoint(checkpoints) == checkpoints / f"checkpoint-{per_epoch}"

    # A later checkpoint cut short while it was written (no trainer_state.json, written last) is skipped.
    partial = checkpoints / f"checkpoint-{2 * per_epoch}"
    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"\x00" * 10)
    assert last_complete_checkpoint(checkpoints) == checkpoints / f"checkpoint-{per_epoch}"

    steps = []
    original_step = WeightedLossTrainer.training_step

    def counted_step(self, *args, **kwargs):
        steps.append(self.state.global_step)
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(WeightedLossTrainer, "training_step", counted_step)
    result = train(
        settings.training, settings.page, train_files=[train_file], dev_files=[dev_file], output_dir=output, resume=True
    )
    assert steps[0] == per_epoch and len(steps) == 2 * per_epoch  # the first epoch was not trained again
    assert result.epochs_run == pytest.approx(3.0)
    record = json.loads((output / "training.json").read_text(encoding="utf-8"))
    assert record["resumed_from"] == str(checkpoints / f"checkpoint-{per_epoch}")
    assert Predictor.from_pretrained(output, device="cpu").metadata.name == "tiny-trained"


def test_no_complete_checkpoint_means_nothing_to_resume(tmp_path):
    assert last_complete_checkpoint(tmp_path / "absent") is None
    (tmp_path / "checkpoint-3").mkdir()
    (tmp_path / "checkpoint-3" / "trainer_state.json").write_text('{"global_st', encoding="utf-8")
    (tmp_path / "checkpoint-x").mkdir()
    assert last_complete_checkpoint(tmp_path) is None
