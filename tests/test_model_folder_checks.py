"""A corrupt, half-written or incomplete model folder is refused by Predictor.from_pretrained with a clear
ModelLoadError (never a stack trace from safetensors, tokenizers or json, and never a model with random
weights)."""

import json
import shutil

import pytest
from safetensors.torch import load_file, save_file

from model.metadata import CONFIG_KEY
from model.predictor import ModelLoadError, ModelMetadataError, Predictor


@pytest.fixture
def copy(tiny_model_dir, tmp_path):
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


def test_a_truncated_weights_file_is_refused(copy):
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ModelLoadError, match=r"corrupt or truncated .*Write the folder again"):
        Predictor.from_pretrained(copy, device="cpu")


def test_a_weights_file_of_garbage_is_refused(copy):
    (copy / "model.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        Predictor.from_pretrained(copy, device="cpu")


def test_missing_weights_are_refused_before_loading(copy):
    (copy / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match=r"not a complete model folder: it has no weights"):
        Predictor.from_pretrained(copy, device="cpu")


def test_a_missing_tokenizer_is_refused(copy):
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ModelLoadError, match=r"not a complete model folder: it has no tokenizer"):
        Predictor.from_pretrained(copy, device="cpu")


def test_a_truncated_tokenizer_is_refused(copy):
    tokenizer = copy / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(ModelLoadError, match="cannot load the model"):
        Predictor.from_pretrained(copy, device="cpu")


def test_a_truncated_config_is_refused(copy):
    config = copy / "config.json"
    config.write_text(config.read_text(encoding="utf-8")[:40], encoding="utf-8")
    with pytest.raises(ModelLoadError, match="cannot load the model"):
        Predictor.from_pretrained(copy, device="cpu")


def test_weights_that_do_not_cover_the_model_are_refused(copy):
    weights = copy / "model.safetensors"
    tensors = load_file(weights)
    dropped = next(name for name in tensors if name.startswith("classifier."))
    del tensors[dropped]
    save_file(tensors, weights, metadata={"format": "pt"})
    with pytest.raises(ModelLoadError, match=r"do not match its config\.json: 1 missing"):
        Predictor.from_pretrained(copy, device="cpu")


def test_malformed_parley_metadata_is_a_model_load_error(copy):
    config_path = copy / "config.json"
    config = json.loads(config_path.read_text())
    config[CONFIG_KEY]["thresholds"] = {"proposal": 2.0}
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelMetadataError, match=r"config\.json key 'parley' is invalid") as raised:
        Predictor.from_pretrained(copy, device="cpu")
    assert isinstance(raised.value, ModelLoadError) and isinstance(raised.value, ValueError)


def test_a_staging_folder_left_by_an_interrupted_write_is_refused(tiny_model_dir, tmp_path):
    staging = shutil.copytree(tiny_model_dir, tmp_path / ".model.k3j2h1.partial")
    with pytest.raises(ModelLoadError, match="half-written staging folder"):
        Predictor.from_pretrained(staging, device="cpu")


def test_the_intact_copy_still_loads(copy):
    assert Predictor.from_pretrained(copy, device="cpu").metadata.name == "tiny-test-model"


def as_pair_format_model(folder):
    """Rewrite a model folder's config as Parley 2's pair models had it."""
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["architectures"] = ["BertForSequenceClassification"]
    metadata = config[CONFIG_KEY]
    del metadata["page"]
    metadata.update(version="2.0.0", context={"window": 2, "max_chars_per_neighbour": 60, "max_length": 160})
    config_path.write_text(json.dumps(config))
    return folder


def test_a_pair_format_model_is_refused_with_its_format_and_how_to_retrain(copy):
    as_pair_format_model(copy)
    with pytest.raises(ModelMetadataError) as raised:
        Predictor.from_pretrained(copy, device="cpu")
    message = str(raised.value)
    assert "tiny-test-model 2.0.0 is a model of the pair format" in message
    assert "`parley train`" in message and "`make model`" in message


def test_training_does_not_continue_a_pair_format_model(copy, tmp_path):
    from parley.config import Settings
    from training.train import train

    as_pair_format_model(copy)
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": "Le syndicat refuse.", "boilerplate": False, "acts": ["refusal"]}) + "\n")
    with pytest.raises(ModelLoadError, match="pair format"):
        train(
            Settings().training,
            Settings().page,
            train_files=[data],
            dev_files=[data],
            output_dir=tmp_path / "out",
            init_from=copy,
        )
