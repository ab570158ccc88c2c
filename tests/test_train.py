import json
import shutil

import pytest

from model.labels import LABELS
from model.metadata import read_metadata
from model.pages import PageSettings
from model.predictor import ModelLoadError, Predictor
from parley.config import Settings
from training.data import DataError
from training.model_card import write_model_card
from training.settings import TrainingSettings
from training.train import data_repeats, train

PAGES = [
    [
        ("Accueil | Monde | Économie", True, []),
        ("Le syndicat propose une médiation si la direction suspend le plan.", False, ["proposal", "condition"]),
        ("La direction rejette l'offre.", False, ["refusal"]),
        ("Le ministre accepte de recevoir les deux parties.", False, ["acceptance"]),
        ("La réunion a duré deux heures.", False, []),
        ("Partager sur Facebook", True, []),
    ],
    [
        ("Publicité", True, []),
        ("Berlin invite Paris à reprendre les discussions.", False, ["proposal"]),
        ("Paris refuse tant que le tarif reste en vigueur.", False, ["refusal", "condition"]),
        ("Rome se dit prête à signer.", False, ["acceptance"]),
        ("Lire aussi", True, []),
    ],
]


def write_pages(path, prefix, copies):
    with path.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for number, page in enumerate(PAGES):
                segments = [{"text": text, "boilerplate": bp, "acts": acts} for text, bp, acts in page]
                document = {"doc_id": f"{prefix}-{copy}-{number}", "lang": "fr", "segments": segments}
                handle.write(json.dumps(document, ensure_ascii=False) + "\n")
    return path


def settings_for(backbone, tmp_path, **overrides):
    options = dict(
        backbone=str(backbone),
        keep_pieces=None,
        checkpoint_dir=tmp_path / "runs",
        epochs=6,
        learning_rate=2e-3,
        batch_size=8,
        logging_steps=1,
        early_stopping_patience=10,
        save_fp16=False,
        model_name="tiny-trained",
    )
    options.update(overrides)
    return Settings(
        page=PageSettings(max_length=64, max_segment_tokens=16, context_tokens=8), training=TrainingSettings(**options)
    )


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("train")
    train_file = write_pages(tmp_path / "train.jsonl", "train", copies=4)
    dev_file = write_pages(tmp_path / "dev.jsonl", "dev", copies=1)
    settings = settings_for(tiny_model_dir, tmp_path)
    output = tmp_path / "model"
    result = train(settings.training, settings.page, train_files=[train_file], dev_files=[dev_file], output_dir=output)
    return result, output, train_file, dev_file, tmp_path


def test_a_short_run_lowers_the_loss(trained):
    result, *_ = trained
    losses = result.losses
    assert len(losses) >= 6
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3


def test_thresholds_are_stored_and_read_back(trained):
    result, output, *_ = trained
    predictor = Predictor.from_pretrained(output, device="cpu")
    assert predictor.metadata.thresholds == result.thresholds
    assert set(result.thresholds) == set(LABELS)
    assert predictor.metadata.name == "tiny-trained"
    assert (output / "README.md").read_text(encoding="utf-8").startswith("---")
    record = json.loads((output / "training.json").read_text(encoding="utf-8"))
    assert record["train_documents"] == 8 and record["dev_documents"] == 2
    assert len(predictor.predict_document("Berlin invite Paris à signer.\nPublicité")) == 2


def test_model_card_describes_the_data_this_model_was_trained_on(trained):
    _, output, *_ = trained
    record = json.loads((output / "training.json").read_text(encoding="utf-8"))
    assert record["train_languages"] == {"fr": 8} and record["train_domains"] == 0
    card = (output / "README.md").read_text(encoding="utf-8")
    assert "language: [fr]" in card.split("---")[1]
    assert "- Trained on 8 pages (100% French): real pages have layouts" in card
    assert "; 50% of the training pages were read one segment per window, the rest whole." in card
    assert "420" not in card  # nothing said of the shipped corpus
    assert "## Metrics on real-like pages\n\nNot measured: `make model` scores the model on ../shared/realdev" in card


def test_model_card_shows_the_realdev_figures_once_measured(trained, tmp_path):
    _, output, *_ = trained
    folder = tmp_path / "card"
    shutil.copytree(output, folder)
    realdev = folder / "realdev"
    realdev.mkdir()
    metrics = {
        "title": "../shared/realdev/docs.jsonl",
        "segments": 1303,
        "macro_f1_acts": 0.5,
        "boilerplate_f1": 0.75,
        "labels": {label: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 10} for label in LABELS},
    }
    (realdev / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    card = write_model_card(folder).read_text(encoding="utf-8")
    assert "On 1303 segments of ../shared/realdev/docs.jsonl: macro-F1 over the four acts **0.500**" in card


def test_init_from_keeps_the_label_schema_and_page_settings(trained):
    _, output, train_file, dev_file, tmp_path = trained
    settings = settings_for("unused-backbone", tmp_path, epochs=1)
    again = tmp_path / "continued"
    train(
        settings.training,
        settings.page,
        train_files=[train_file],
        dev_files=[dev_file],
        output_dir=again,
        init_from=output,
    )
    config = Predictor.from_pretrained(again, device="cpu").model.config
    assert [config.id2label[i] for i in range(len(LABELS))] == list(LABELS)
    assert read_metadata(config).page == read_metadata(Predictor.from_pretrained(output).model.config).page
    record = json.loads((again / "training.json").read_text(encoding="utf-8"))
    assert record["init_from"] == str(output)


def test_pages_of_your_own_beside_the_corpus_are_repeated_up_to_their_share(trained):
    _, output, train_file, dev_file, tmp_path = trained
    mine = write_pages(tmp_path / "mine.jsonl", "mine", copies=1)  # 2 pages beside a corpus of 8
    settings = settings_for("unused-backbone", tmp_path, epochs=1, data_share=0.5)
    again = tmp_path / "with-corpus"
    train(
        settings.training,
        settings.page,
        train_files=[mine],
        corpus_files=[train_file],
        dev_files=[dev_file],
        output_dir=again,
        init_from=output,
    )
    record = json.loads((again / "training.json").read_text(encoding="utf-8"))
    assert record["train_files_repeated"] == 4  # 8 of 16 pages: half the epoch
    assert record["train_documents"] == 16 and record["corpus_files"] == [str(train_file)]


def test_data_repeats_reach_the_share_and_never_drop_below_once():
    assert data_repeats(40, 1071, 0.25) == 9  # 360 of 1431 pages
    assert data_repeats(40, 1071, 0.0) == 1
    assert data_repeats(500, 100, 0.25) == 1
    assert data_repeats(40, 0, 0.25) == 1


def test_a_page_id_in_both_your_data_and_the_corpus_is_refused(trained):
    _, output, train_file, dev_file, tmp_path = trained
    settings = settings_for("unused-backbone", tmp_path, epochs=1)
    with pytest.raises(ValueError, match="is both in --data and in the corpus"):
        train(
            settings.training,
            settings.page,
            train_files=[train_file],
            corpus_files=[train_file],
            dev_files=[dev_file],
            output_dir=tmp_path / "clash",
            init_from=output,
        )


def test_init_from_refuses_a_model_that_is_not_parley(tiny_model_dir, trained, tmp_path):
    _, _, train_file, dev_file, _ = trained
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text(json.dumps({"model_type": "bert", "id2label": {"0": "a", "1": "b"}}))
    settings = settings_for(tiny_model_dir, tmp_path)
    with pytest.raises(ModelLoadError, match="predicts labels"):
        train(
            settings.training,
            settings.page,
            train_files=[train_file],
            dev_files=[dev_file],
            output_dir=tmp_path / "out",
            init_from=plain,
        )


def test_bad_data_is_refused_before_training_starts(tiny_model_dir, tmp_path):
    good = write_pages(tmp_path / "good.jsonl", "g", copies=1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "segments": [{"text": "Publicité", "boilerplate": true, "acts": ["proposal"]}]}\n')
    settings = settings_for(tiny_model_dir, tmp_path)
    with pytest.raises(DataError, match=r"bad\.jsonl:1: segments\.0: a boilerplate segment has no acts"):
        train(
            settings.training, settings.page, train_files=[good, bad], dev_files=[good], output_dir=tmp_path / "never"
        )
    assert not (tmp_path / "never").exists()
    assert not (tmp_path / "runs").exists()


def test_resume_without_a_checkpoint_is_a_clear_error(tiny_model_dir, tmp_path):
    good = write_pages(tmp_path / "good.jsonl", "g", copies=1)
    settings = settings_for(tiny_model_dir, tmp_path)
    with pytest.raises(FileNotFoundError, match="no checkpoint to resume from"):
        train(
            settings.training,
            settings.page,
            train_files=[good],
            dev_files=[good],
            output_dir=tmp_path / "out",
            resume=True,
        )


def test_train_and_evaluate_commands(tiny_model_dir, trained, tmp_path):
    from typer.testing import CliRunner

    from parley.cli import app

    _, _, train_file, dev_file, _ = trained
    config = tmp_path / "config.yaml"
    config.write_text(
        "page:\n  max_length: 64\n  max_segment_tokens: 16\n  context_tokens: 8\n"
        f"training:\n  backbone: {tiny_model_dir}\n  epochs: 1\n  checkpoint_dir: {tmp_path / 'runs'}\n"
        "  save_fp16: false\n",
        encoding="utf-8",
    )
    output = tmp_path / "cli-model"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["train", "--config", str(config), "--data", str(train_file), "--dev", str(dev_file), "--output", str(output)],
    )
    assert result.exit_code == 0, result.output
    assert f"model written to {output}" in result.output
    result = runner.invoke(app, ["evaluate", str(output), "--data", str(dev_file), "--update-card"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["segments"] == 11
    assert (output / "precision_recall.png").stat().st_size > 0
    card = (output / "README.md").read_text(encoding="utf-8")
    assert f"macro-F1 over the four acts **{metrics['macro_f1_acts']:.3f}**" in card


def test_train_command_names_bad_data(tiny_model_dir, tmp_path):
    from typer.testing import CliRunner

    from parley.cli import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "--data", str(bad), "--dev", str(bad), "--output", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert f"{bad}:1: not valid JSON" in result.output


def test_head_parameters_get_their_own_learning_rate(tiny_model_dir):
    from transformers import AutoModelForTokenClassification

    from training.train import is_head_parameter

    model = AutoModelForTokenClassification.from_pretrained(tiny_model_dir)
    head = {name for name, _ in model.named_parameters() if is_head_parameter(model, name)}
    assert head == {"classifier.weight", "classifier.bias"}
