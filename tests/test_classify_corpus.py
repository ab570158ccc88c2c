"""`parley classify --input DOCS.jsonl --output LABELLED.jsonl`: a corpus, streamed, resumable."""

import json

import pytest
from typer.testing import CliRunner

from model.predictor import Predictor
from parley.cli import app
from parley.corpus import CorpusError, PredictorSpec, classify_corpus, completed_ids

PAGES = [
    "Accueil  Monde  Économie\nLa direction propose une prime. Les syndicats refusent.\nPublicité",
    "Moscou a rejeté l'offre. Kiev exclut toute concession territoriale.",
    "Le ministre accepte de recevoir les deux parties si la grève cesse.\nPartager sur Facebook",
    "",
    "Berlin invite Paris à reprendre les discussions.\nLire aussi\nRome se dit prête à signer.",
]


def documents():
    """Page text, segments (strings and labelled-data objects), doc_id, lang: what the input may hold."""
    docs = [{"id": f"page-{number}", "text": text} for number, text in enumerate(PAGES)]
    docs.append({"doc_id": "seg-1", "lang": "en", "segments": ["The union rejected the offer.", "Share"]})
    docs.append({"id": 7, "segments": [{"text": "Paris refuse.", "boilerplate": False, "acts": ["refusal"]}]})
    return docs


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def predictor(tiny_model_dir):
    return Predictor.from_pretrained(tiny_model_dir, device="cpu", backend="torch")


def run(tiny_model_dir, input_path, output_path, **options):
    spec = PredictorSpec(str(tiny_model_dir), device="cpu", backend="torch")
    return classify_corpus(input_path, output_path, spec, language="fr", progress=False, **options)


def test_every_document_gets_one_line_in_the_api_shape(tiny_model_dir, predictor, tmp_path):
    docs = documents()
    source = write_jsonl(tmp_path / "docs.jsonl", docs)
    output = tmp_path / "out" / "labelled.jsonl"
    summary = run(tiny_model_dir, source, output, workers=1)
    assert (summary.total, summary.skipped, summary.written) == (7, 0, 7)
    lines = read_jsonl(output)
    assert [line["id"] for line in lines] == ["page-0", "page-1", "page-2", "page-3", "page-4", "seg-1", 7]
    for line, doc in zip(lines, docs, strict=True):
        assert set(line) == {"id", "model", "sentences"}
        assert line["model"] == {"name": "tiny-test-model", "version": "0.0.1", "backbone": "random tiny BERT"}
        if "text" in doc:
            # Pairs of several documents share forward passes; the answers are those of one document alone.
            expected = predictor.predict_document(doc["text"], "fr")
            for sentence in line["sentences"]:
                assert doc["text"][sentence["start"] : sentence["end"]] == sentence["text"]
        else:
            texts = [s if isinstance(s, str) else s["text"] for s in doc["segments"]]
            expected = predictor.predict_segments(texts)
            assert all(sentence["start"] is None for sentence in line["sentences"])
        assert [s["text"] for s in line["sentences"]] == [p.text for p in expected]
        for sentence, prediction in zip(line["sentences"], expected, strict=True):
            assert set(sentence) == {"index", "text", "start", "end", "boilerplate", "acts", "scores"}
            for label, score in prediction.scores.items():
                assert sentence["scores"][label] == pytest.approx(score, abs=2e-4)
    assert lines[3]["sentences"] == []  # an empty page is still done, and so never redone


def test_an_interrupted_run_resumes_without_losing_or_repeating_a_document(tiny_model_dir, tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", documents())
    output = tmp_path / "labelled.jsonl"

    def stop_after_three(written):
        if written == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tiny_model_dir, source, output, workers=1, on_written=stop_after_three)
    assert [line["id"] for line in read_jsonl(output)] == ["page-0", "page-1", "page-2"]
    # A crash in the middle of a line: the cut line is dropped and its document labelled again.
    with output.open("a", encoding="utf-8") as stream:
        stream.write('{"id": "page-3", "model": {"name": "tiny')
    summary = run(tiny_model_dir, source, output, workers=1)
    assert (summary.total, summary.skipped, summary.written) == (7, 3, 4)
    ids = [line["id"] for line in read_jsonl(output)]
    assert ids == ["page-0", "page-1", "page-2", "page-3", "page-4", "seg-1", 7]
    # Once done, a run again writes nothing.
    again = run(tiny_model_dir, source, output, workers=1)
    assert (again.skipped, again.written) == (7, 0)
    assert len(read_jsonl(output)) == 7


def test_completed_ids_drops_only_a_cut_last_line(tmp_path):
    output = tmp_path / "labelled.jsonl"
    output.write_text('{"id": "a", "sentences": []}\n{"id": 2, "sentences": []}\n{"id": "c", "sen', encoding="utf-8")
    assert completed_ids(output) == {"a", 2}
    assert output.read_text(encoding="utf-8") == '{"id": "a", "sentences": []}\n{"id": 2, "sentences": []}\n'
    assert completed_ids(tmp_path / "absent.jsonl") == set()


def test_an_output_that_is_not_ours_is_refused(tmp_path):
    output = tmp_path / "labelled.jsonl"
    output.write_text('{"id": "a"}\nnot json\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"labelled\.jsonl:2: not a line that `parley classify --output` writes"):
        completed_ids(output)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{oops", "not valid JSON"),
        ('["a"]', "expected a JSON object"),
        ('{"text": "x"}', "id: every document needs an id"),
        ('{"id": "b", "text": "x", "segments": ["x"]}', "exactly one of `text`"),
        ('{"id": "b", "segments": ["x", 3]}', "segments.1: expected a string"),
        ('{"id": "b", "text": 3}', "text: expected a string"),
        ('{"id": "a", "text": "encore"}', r"id: 'a' is there twice \(first on line 1\)"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(tiny_model_dir, tmp_path, line, message):
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a", "text": "Bonjour."}\n\n' + line + "\n", encoding="utf-8")
    output = tmp_path / "labelled.jsonl"
    with pytest.raises(CorpusError, match=message) as raised:
        run(tiny_model_dir, source, output)
    assert str(raised.value).startswith(f"{source}:3: ")
    assert not output.exists()


def test_worker_processes_write_the_same_lines_in_input_order(tiny_model_dir, tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", documents())
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run(tiny_model_dir, source, one, workers=1)
    summary = run(tiny_model_dir, source, two, workers=2)
    assert summary.written == 7
    first, second = read_jsonl(one), read_jsonl(two)
    assert [line["id"] for line in second] == [line["id"] for line in first]
    for a, b in zip(first, second, strict=True):
        assert [s["text"] for s in a["sentences"]] == [s["text"] for s in b["sentences"]]
        for x, y in zip(a["sentences"], b["sentences"], strict=True):
            assert x["scores"] == pytest.approx(y["scores"], abs=2e-4)


def test_classify_command_with_input_and_output(tiny_model_dir, tmp_path):
    source = write_jsonl(tmp_path / "docs.jsonl", documents())
    output = tmp_path / "labelled.jsonl"
    runner = CliRunner()
    args = ["classify", "--input", str(source), "--output", str(output), "--model", str(tiny_model_dir)]
    result = runner.invoke(app, [*args, "--device", "cpu", "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"7 documents labelled into {output}" in result.output
    assert len(read_jsonl(output)) == 7
    result = runner.invoke(app, [*args, "--device", "cpu", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "0 documents labelled" in result.output and "(7 were there already)" in result.output
    assert len(read_jsonl(output)) == 7


def test_classify_command_errors(tiny_model_dir, tmp_path):
    runner = CliRunner()
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a"}\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", "--input", str(source), "--model", str(tiny_model_dir)])
    assert result.exit_code == 2 and "--input and --output go together" in result.output
    output = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--input", str(source), "--output", str(output)])
    assert result.exit_code == 1 and f"{source}:1: give exactly one of `text`" in result.output
    source.write_text('{"id": "a", "text": "Bonjour."}\n', encoding="utf-8")
    result = runner.invoke(
        app, ["classify", "--input", str(source), "--output", str(output), "--model", str(tmp_path / "absent")]
    )
    assert result.exit_code == 1 and "model folder not found" in result.output
    result = runner.invoke(app, ["classify", "--input", str(source), "--output", str(source)])
    assert result.exit_code == 1 and "is the input file" in result.output
