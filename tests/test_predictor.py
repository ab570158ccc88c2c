import json
import shutil

import numpy as np
import pytest

from model.labels import ACTS, LABELS
from model.metadata import CONFIG_KEY
from model.predictor import ModelLoadError, Predictor

PAGE = (
    "Accueil  Monde  Économie\n"
    "Publicité\n"
    "La direction a proposé une prime, à condition que le préavis soit levé. "
    "« Le compte n'y est pas », a répondu M. Leroy.\n"
    "Lire aussi\n"
)


def copy_with_config(source, target, change):
    """Copy a model folder and edit its config.json with ``change(config_dict)``."""
    shutil.copytree(source, target)
    config_path = target / "config.json"
    config = json.loads(config_path.read_text())
    change(config)
    config_path.write_text(json.dumps(config))
    return target


def with_thresholds(source, target, thresholds):
    return copy_with_config(source, target, lambda c: c[CONFIG_KEY].update(thresholds=thresholds))


@pytest.fixture(scope="module")
def predictor(tiny_model_dir):
    return Predictor.from_pretrained(tiny_model_dir, device="cpu")


def test_predict_document_gives_offsets_scores_and_labels(predictor):
    predictions = predictor.predict_document(PAGE)
    assert [p.index for p in predictions] == list(range(5))
    assert predictions[2].text.startswith("La direction")
    for prediction in predictions:
        assert PAGE[prediction.start : prediction.end] == prediction.text
        assert list(prediction.scores) == list(LABELS)
        assert all(0.0 <= score <= 1.0 for score in prediction.scores.values())
        assert set(prediction.acts) <= set(ACTS)


def test_predict_segments_takes_the_segments_as_one_document(predictor):
    segments = [p.text for p in predictor.predict_document(PAGE)]
    by_segments = predictor.predict_segments(segments)
    assert [p.start for p in by_segments] == [None] * len(segments)
    assert [p.scores for p in by_segments] == [p.scores for p in predictor.predict_document(PAGE)]


def test_scores_do_not_depend_on_batching(tiny_model_dir):
    segments = [f"Phrase numéro {i} " + "mot " * (i % 7) for i in range(23)]
    one_by_one = Predictor.from_pretrained(tiny_model_dir, device="cpu", batch_size=1).predict_segments(segments)
    batched = Predictor.from_pretrained(tiny_model_dir, device="cpu", batch_size=8).predict_segments(segments)
    np.testing.assert_allclose(
        [list(p.scores.values()) for p in one_by_one], [list(p.scores.values()) for p in batched], atol=1e-4
    )


def test_no_segments_gives_no_prediction(predictor):
    assert predictor.predict_segments([]) == []
    assert predictor.predict_document(" \n ") == []


def test_thresholds_come_from_the_model_config(tiny_model_dir, tmp_path):
    every_act = dict.fromkeys(LABELS, 0.0) | {"boilerplate": 1.0}
    folder = with_thresholds(tiny_model_dir, tmp_path / "acts", every_act)
    predictor = Predictor.from_pretrained(folder, device="cpu")
    assert predictor.metadata.thresholds == every_act
    for prediction in predictor.predict_document(PAGE):
        assert not prediction.boilerplate
        assert prediction.acts == list(ACTS)


def test_boilerplate_segments_get_no_acts(tiny_model_dir, tmp_path):
    folder = with_thresholds(tiny_model_dir, tmp_path / "boilerplate", dict.fromkeys(LABELS, 0.0))
    for prediction in Predictor.from_pretrained(folder, device="cpu").predict_document(PAGE):
        assert prediction.boilerplate
        assert prediction.acts == []
        assert list(prediction.scores) == list(LABELS)  # act scores are still reported


def test_model_without_parley_metadata_uses_half_thresholds(tiny_model_dir, tmp_path):
    folder = copy_with_config(tiny_model_dir, tmp_path / "plain", lambda c: c.pop(CONFIG_KEY))
    predictor = Predictor.from_pretrained(folder, device="cpu")
    assert predictor.metadata.thresholds == dict.fromkeys(LABELS, 0.5)


def test_invalid_thresholds_are_refused(tiny_model_dir, tmp_path):
    folder = with_thresholds(tiny_model_dir, tmp_path / "bad", {"proposal": 0.5})
    with pytest.raises(ValueError, match="thresholds must name exactly"):
        Predictor.from_pretrained(folder, device="cpu")


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="model folder not found"):
        Predictor.from_pretrained(tmp_path / "nowhere", device="cpu")


def test_folder_without_config_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match=r"holds no config\.json"):
        Predictor.from_pretrained(tmp_path, device="cpu")


def test_a_file_is_not_a_model_folder(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"")
    with pytest.raises(ModelLoadError, match="is a file"):
        Predictor.from_pretrained(path, device="cpu")


def test_hub_name_offline_says_so():
    with pytest.raises(ModelLoadError, match="offline") as raised:
        Predictor.from_pretrained("camembert-base", device="cpu")
    assert "camembert-base" in str(raised.value)


def test_wrong_labels_are_refused(tiny_model_dir, tmp_path):
    def rename(config):
        config["id2label"] = {"0": "positive", "1": "negative", "2": "a", "3": "b", "4": "c"}
        config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}

    folder = copy_with_config(tiny_model_dir, tmp_path / "wrong", rename)
    with pytest.raises(ModelLoadError, match="predicts labels"):
        Predictor.from_pretrained(folder, device="cpu")


def test_cuda_asked_without_gpu_is_refused(tiny_model_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ModelLoadError, match="no CUDA GPU"):
        Predictor.from_pretrained(tiny_model_dir, device="cuda")


def test_thread_count_is_applied(tiny_model_dir):
    import torch

    before = torch.get_num_threads()
    try:
        Predictor.from_pretrained(tiny_model_dir, device="cpu", threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
