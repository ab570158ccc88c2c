"""`parley export --onnx [--int8]`, its parity check, and the predictor's ONNX Runtime backend (tiny model)."""

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from fastapi.testclient import TestClient
from onnx import TensorProto, helper
from safetensors.torch import load_file, save_file
from typer.testing import CliRunner

import model.sample_pages
import training.export
from model.folder import EXPORT_REPORT, FP32_FILE, INT8_FILE
from model.labels import LABELS
from model.metadata import CONFIG_KEY
from model.predictor import ModelLoadError, Predictor
from parley.cli import app as cli_app
from parley.config import Settings
from serve.app import create_app
from training.export import ExportError, export_onnx

runner = CliRunner()

PAGE = (
    "Accueil  Monde  Économie\n"
    "Publicité\n"
    "La direction a proposé une prime, à condition que le préavis soit levé. "
    "« Le compte n'y est pas », a répondu M. Leroy.\n"
    "Le ministre s'est dit prêt à recevoir les syndicats dès vendredi.\n"
    "Lire aussi\n"
)
SEGMENTS = [f"Phrase numéro {i} : " + "la direction propose une prime " * (i % 5) for i in range(11)]


@pytest.fixture(scope="module")
def model_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """A copy of the tiny model (the shared one stays export-free), exported by `parley export --onnx --int8`."""
    folder = tmp_path_factory.mktemp("export") / "model"
    shutil.copytree(tiny_model_dir, folder)
    result = runner.invoke(cli_app, ["export", str(folder), "--onnx", "--int8"])
    assert result.exit_code == 0, result.output
    assert "parity model.int8.onnx" in result.output
    return folder


@pytest.fixture(scope="module")
def fp32_dir(model_dir) -> Path:
    """An fp32 export of the same model, in a folder of its own."""
    output = model_dir.parent / "fp32"
    result = export_onnx(model_dir, output)
    assert result.onnx_file == output / FP32_FILE
    return output


def report(folder: Path) -> dict:
    return json.loads((folder / EXPORT_REPORT).read_text())


def copy_model(model_dir: Path, target: Path) -> Path:
    shutil.copytree(model_dir, target)
    return target


def torch_scores(model_dir: Path) -> np.ndarray:
    return Predictor.from_pretrained(model_dir, device="cpu", backend="torch").predict_segments(SEGMENTS)


def as_matrix(predictions) -> np.ndarray:
    return np.array([[p.scores[label] for label in LABELS] for p in predictions])


# --- the export ---------------------------------------------------------------------------------------------


def test_fp32_export_has_the_model_the_tokenizer_the_thresholds_and_its_parity(fp32_dir):
    assert {path.name for path in fp32_dir.iterdir()} >= {FP32_FILE, "config.json", "tokenizer.json", EXPORT_REPORT}
    assert CONFIG_KEY in json.loads((fp32_dir / "config.json").read_text())
    [check] = report(fp32_dir)["parity"]["checks"]
    assert check["file"] == FP32_FILE and check["passed"]
    assert check["max_abs_diff"] <= 1e-4 and check["label_agreement"] == 1.0
    assert check["segments"] > 50  # the first documents of data/dev.jsonl


def test_export_has_dynamic_batch_and_sequence_axes_and_the_tokenizer_s_inputs(fp32_dir):
    graph = onnx.load(str(fp32_dir / FP32_FILE)).graph
    inputs = {
        node.name: [dim.dim_param or dim.dim_value for dim in node.type.tensor_type.shape.dim] for node in graph.input
    }
    assert list(inputs) == ["input_ids", "attention_mask"]  # the tiny tokenizer gives no token_type_ids
    for dims in inputs.values():
        assert all(isinstance(dim, str) for dim in dims), dims
    assert [node.name for node in graph.output] == ["logits"]


def test_int8_export_goes_to_model_onnx_and_agrees_on_the_labels(model_dir, fp32_dir):
    export = model_dir / "onnx"
    assert (export / INT8_FILE).is_file() and not (export / FP32_FILE).exists()
    assert (export / INT8_FILE).stat().st_size < (fp32_dir / FP32_FILE).stat().st_size
    checks = {check["file"]: check for check in report(export)["parity"]["checks"]}
    assert checks[FP32_FILE]["max_abs_diff"] <= 1e-4  # the fp32 intermediate is checked too
    assert checks[INT8_FILE]["passed"] and checks[INT8_FILE]["label_agreement"] >= 0.99
    assert report(export)["source"]["weights_sha256"]
    assert not list(model_dir.glob(".onnx.*"))  # no temporary folder left


def test_parity_falls_back_to_french_pages_without_data():
    pages, source = training.export.parity_pages(None, 12)
    assert len(pages) == len(model.sample_pages.SAMPLE_PAGES) and "French pages" in source
    assert sum(len(page) for page in pages) > 20


# --- the predictor's ONNX Runtime backend -------------------------------------------------------------------


def test_onnx_backend_scores_as_torch(model_dir, fp32_dir):
    expected = as_matrix(torch_scores(model_dir))
    fp32 = Predictor.from_pretrained(fp32_dir, device="cpu", backend="onnx", batch_size=4)
    assert fp32.backend == "onnx" and fp32.scorer.path.name == FP32_FILE
    np.testing.assert_allclose(as_matrix(fp32.predict_segments(SEGMENTS)), expected, atol=2e-4)  # scores are rounded
    int8 = Predictor.from_pretrained(model_dir, device="cpu", backend="onnx")
    assert int8.scorer.path == model_dir / "onnx" / INT8_FILE
    np.testing.assert_allclose(as_matrix(int8.predict_segments(SEGMENTS)), expected, atol=5e-3)
    for prediction in int8.predict_document(PAGE):
        assert PAGE[prediction.start : prediction.end] == prediction.text


def test_auto_runs_onnx_on_the_cpu_when_an_export_is_there(model_dir, tiny_model_dir):
    assert Predictor.from_pretrained(model_dir, device="cpu").backend == "onnx"
    assert Predictor.from_pretrained(model_dir, device="cpu", backend="torch").backend == "torch"
    assert Predictor.from_pretrained(tiny_model_dir, device="cpu").backend == "torch"  # no export


def test_onnx_threads_come_from_the_settings(model_dir):
    predictor = Predictor.from_pretrained(model_dir, device="cpu", backend="onnx", threads=1)
    assert predictor.scorer.session.get_session_options().intra_op_num_threads == 1


def test_an_export_of_older_weights_is_not_used(model_dir, tmp_path, caplog):
    folder = copy_model(model_dir, tmp_path / "retrained")
    weights = load_file(folder / "model.safetensors")
    weights["classifier.bias"] += 1.0
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with caplog.at_level(logging.WARNING):
        assert Predictor.from_pretrained(folder, device="cpu").backend == "torch"
    assert "not using the ONNX export" in caplog.text
    with pytest.raises(ModelLoadError, match="out of date"):
        Predictor.from_pretrained(folder, device="cpu", backend="onnx")


def test_an_export_of_an_older_config_is_not_used(model_dir, tmp_path):
    # Thresholds tuned again after the export: the export's copy of config.json is out of date.
    folder = copy_model(model_dir, tmp_path / "retuned")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config[CONFIG_KEY]["thresholds"]["proposal"] = 0.42
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"out of date: its config\.json differs"):
        Predictor.from_pretrained(folder, device="cpu", backend="onnx")


def test_onnx_backend_without_an_export_says_how_to_make_one(tiny_model_dir):
    with pytest.raises(ModelLoadError, match="parley export"):
        Predictor.from_pretrained(tiny_model_dir, device="cpu", backend="onnx")


def test_a_corrupt_onnx_file_is_a_clear_error(model_dir, tmp_path):
    folder = copy_model(model_dir, tmp_path / "corrupt")
    onnx_file = folder / "onnx" / INT8_FILE
    onnx_file.write_bytes(onnx_file.read_bytes()[:5000])
    with pytest.raises(ModelLoadError, match="corrupt"):
        Predictor.from_pretrained(folder, device="cpu", backend="onnx")


def other_model(
    path: Path, *, labels: int = 5, vocabulary: int = 1000, input_name: str = "input_ids", per_token: bool = True
) -> None:
    """A small ONNX model of another kind: token embeddings as ``labels`` logits per token, or (``per_token``
    False, as a pair-format export) their mean per row."""
    nodes = [helper.make_node("Gather", ["embeddings", input_name], ["logits" if per_token else "vectors"])]
    if not per_token:
        nodes.append(helper.make_node("ReduceMean", ["vectors"], ["logits"], axes=[1], keepdims=0))
    graph = helper.make_graph(
        nodes,
        "another-model",
        [
            helper.make_tensor_value_info(input_name, TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [
            helper.make_tensor_value_info(
                "logits", TensorProto.FLOAT, ["batch", "sequence", labels] if per_token else ["batch", labels]
            )
        ],
        [helper.make_tensor("embeddings", TensorProto.FLOAT, [vocabulary, labels], [0.01] * vocabulary * labels)],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"labels": 3}, r"the model has 5 labels"),
        ({"per_token": False}, r"an export of a pair-format model gives \[batch, labels\]"),
        ({"vocabulary": 3}, r"does not run with this model's inputs"),  # found by running it once
        ({"input_name": "token_type_ids"}, r"takes inputs \['token_type_ids'"),
    ],
)
def test_an_onnx_file_of_another_model_is_a_clear_error(model_dir, tmp_path, model, message):
    folder = copy_model(model_dir, tmp_path / "mismatched")
    other_model(folder / "onnx" / INT8_FILE, **model)
    with pytest.raises(ModelLoadError, match=message):
        Predictor.from_pretrained(folder, device="cpu", backend="onnx")


def test_the_api_reports_the_backend_in_use(model_dir):
    settings = Settings.model_validate({"model": {"path": str(model_dir)}, "inference": {"device": "cpu"}})
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/model").json()["backend"] == "onnx"
        answer = client.post("/v1/classify", json={"text": PAGE})
        assert answer.status_code == 200 and len(answer.json()["sentences"]) == 6


# --- failures -----------------------------------------------------------------------------------------------


def test_failed_parity_exits_1_and_leaves_the_previous_export_as_it_was(model_dir, monkeypatch):
    before = {path.name: path.read_bytes() for path in (model_dir / "onnx").iterdir()}
    monkeypatch.setattr(training.export, "FP32_MAX_ABS_DIFF", -1.0)
    result = runner.invoke(cli_app, ["export", str(model_dir), "--onnx"])
    assert result.exit_code == 1
    assert "parity check failed" in result.output and "model.onnx: max abs score diff" in result.output
    assert {path.name: path.read_bytes() for path in (model_dir / "onnx").iterdir()} == before
    assert not list(model_dir.glob(".onnx.*"))


def test_export_needs_a_format_and_a_model_folder(tmp_path):
    assert runner.invoke(cli_app, ["export", str(tmp_path)]).exit_code == 2
    result = runner.invoke(cli_app, ["export", str(tmp_path / "absent"), "--onnx"])
    assert result.exit_code == 1 and "not a model folder" in result.output


def test_export_never_replaces_a_folder_that_is_not_an_export(model_dir, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not a Parley ONNX export"):
        export_onnx(model_dir, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
