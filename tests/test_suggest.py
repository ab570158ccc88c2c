"""`parley suggest`: the segments nearest the model's thresholds, spread across labels and documents."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from feedback.suggest import Candidate, pick
from model.labels import LABELS
from model.predictor import Predictor
from parley.cli import app as cli_app


def candidate(doc_id: str, index: int, label: str, margin: float) -> Candidate:
    return Candidate(doc_id, "fr", [f"s{i}" for i in range(10)], index, np.full(5, 0.5), label, margin)


def test_labels_take_turns_and_the_most_uncertain_of_each_comes_first():
    pool = [candidate(f"d{i}", 0, "proposal", 0.01 * i) for i in range(6)]
    pool += [candidate(f"e{i}", 0, "refusal", 0.2 + 0.01 * i) for i in range(6)]
    picked = pick(pool, 4)
    assert [(c.label, c.doc_id) for c in picked] == [
        ("proposal", "d0"),
        ("refusal", "e0"),
        ("proposal", "d1"),
        ("refusal", "e1"),
    ]


def test_a_document_gives_at_most_its_share_while_others_have_candidates():
    pool = [candidate("long", index, "condition", 0.001 * index) for index in range(10)]
    pool += [candidate(f"short{i}", 0, "condition", 0.3) for i in range(4)]
    picked = pick(pool, 5)  # 5 documents: a share of one each
    assert sorted(c.doc_id for c in picked) == ["long", "short0", "short1", "short2", "short3"]


def test_when_the_shares_run_out_the_rest_goes_to_the_most_uncertain_left():
    pool = [candidate("only", index, "acceptance", 0.01 * index) for index in range(8)]
    picked = pick(pool, 3)
    assert [c.index for c in picked] == [0, 1, 2]
    assert len(pick(pool, 20)) == 8  # never more than there is


def test_the_command_writes_a_queue_with_each_segment_in_its_page(tiny_model_dir, tmp_path):
    pages = tmp_path / "pages.jsonl"
    documents = [
        {"id": "a", "text": "Accueil. La direction propose une prime. Le syndicat refuse."},
        {"id": "b", "segments": ["Menu", "Le ministre est prêt à discuter si la grève cesse.", "Publicité"]},
    ]
    pages.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in documents), encoding="utf-8")
    out = tmp_path / "queue" / "to_label.jsonl"
    result = CliRunner().invoke(
        cli_app, ["suggest", "--input", str(pages), "--n", "4", "--out", str(out), "--model", str(tiny_model_dir)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4
    assert {record["doc_id"] for record in records} == {"a", "b"}  # a share of two each
    thresholds = Predictor.from_pretrained(tiny_model_dir, device="cpu").metadata.thresholds
    for record in records:
        assert record["context"][record["index"]] == record["text"]
        assert set(record["scores"]) == set(LABELS)
        distances = {label: abs(record["scores"][label] - thresholds[label]) for label in LABELS}
        assert record["label"] == min(distances, key=distances.get)
        assert record["margin"] == pytest.approx(distances[record["label"]], abs=2e-4)
        assert record["model"] == {"name": "tiny-test-model", "version": "0.0.1"}
    assert "4 segments of 2 documents" in result.output


def test_a_bad_input_file_is_an_error_that_names_the_line(tiny_model_dir, tmp_path):
    pages = tmp_path / "pages.jsonl"
    pages.write_text('{"id": "a", "text": "Bonjour."}\n{"text": "sans id"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli_app, ["suggest", "--input", str(pages), "--out", str(tmp_path / "q.jsonl"), "--model", str(tiny_model_dir)]
    )
    assert result.exit_code == 1
    assert "pages.jsonl:2" in result.output
