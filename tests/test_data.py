import json

import pytest
from typer.testing import CliRunner

from parley.cli import app
from training.data import DataError, Document, check_files, read_documents
from training.split import SPLITS, split_documents

runner = CliRunner()


def document(doc_id="doc-1", **overrides):
    value = {
        "doc_id": doc_id,
        "lang": "fr",
        "domain": "labour",
        "segments": [
            {"text": f"Accueil Monde ({doc_id})", "boilerplate": True, "acts": []},
            {"text": f"La direction propose une prime ({doc_id}).", "boilerplate": False, "acts": ["proposal"]},
            {
                "text": f"Le syndicat refuse si rien ne change ({doc_id}).",
                "boilerplate": False,
                "acts": ["condition", "refusal"],
            },
            {"text": f"Le ministre accepte ({doc_id}).", "boilerplate": False, "acts": ["acceptance"]},
        ],
    }
    value.update(overrides)
    return value


def write_jsonl(path, values):
    path.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values), encoding="utf-8")
    return path


def test_documents_are_read_with_acts_in_label_order(tmp_path):
    documents = read_documents([write_jsonl(tmp_path / "good.jsonl", [document("a"), document("b")])])
    assert [d.doc_id for d in documents] == ["a", "b"]
    assert documents[0].segments[2].acts == ("refusal", "condition")
    assert documents[0].segments[2].label_vector() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert documents[0].segments[0].label_vector() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_segment_lines_are_grouped_by_doc_id(tmp_path):
    lines = [
        {"doc_id": "x", "text": "Un.", "boilerplate": False, "acts": ["proposal"]},
        {"doc_id": "x", "text": "Deux.", "boilerplate": False, "acts": []},
        {"text": "Seule.", "boilerplate": True, "acts": [], "context": "Lire aussi"},
        {"doc_id": "y", "text": "Trois.", "boilerplate": False, "acts": ["refusal"], "lang": "en"},
    ]
    documents = read_documents([write_jsonl(tmp_path / "segments.jsonl", lines)])
    assert [(d.doc_id, len(d.segments), d.lang) for d in documents] == [
        ("x", 2, "fr"),
        ("segments:3", 1, "fr"),
        ("y", 1, "en"),
    ]
    assert documents[1].segments[0].context == "Lire aussi"


def test_csv_with_pipe_separated_acts(tmp_path):
    path = tmp_path / "segments.csv"
    path.write_text(
        "doc_id,text,boilerplate,acts\n"
        "d1,La direction propose une prime si le préavis est levé.,false,proposal|condition\n"
        "d1,Publicité,true,\n",
        encoding="utf-8",
    )
    (only,) = read_documents([path])
    assert only.segments[0].acts == ("proposal", "condition")
    assert only.segments[1].boilerplate is True


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"doc_id": "a", "lang": "fr", "segments": [', "bad.jsonl:1: not valid JSON"),
        ("[1, 2]", "bad.jsonl:1: expected a JSON object"),
        (json.dumps(document(segments=[])), "bad.jsonl:1: segments:"),
        (json.dumps({k: v for k, v in document().items() if k != "doc_id"}), "bad.jsonl:1: doc_id: Field required"),
        (
            json.dumps(document(segments=[{"text": " ", "boilerplate": False, "acts": []}])),
            "bad.jsonl:1: segments.0.text: text is empty",
        ),
        (
            json.dumps(document(segments=[{"text": "x", "boilerplate": False, "acts": ["offer"]}])),
            "bad.jsonl:1: segments.0.acts: unknown act 'offer'",
        ),
        (
            json.dumps(document(segments=[{"text": "x", "boilerplate": True, "acts": ["proposal"]}])),
            "bad.jsonl:1: segments.0: a boilerplate segment has no acts",
        ),
        (
            json.dumps(document(segments=[{"text": "x", "boilerplate": "no", "acts": []}])),
            "bad.jsonl:1: segments.0.boilerplate: Input should be a valid boolean",
        ),
        (
            json.dumps(document(segments=[{"text": "x", "boilerplate": False, "acts": [], "family": "sarcasm"}])),
            "bad.jsonl:1: segments.0.family: unknown family 'sarcasm'",
        ),
        (
            json.dumps(document(segments=[{"text": "x", "boilerplate": False, "acts": [], "family": "teaser-acts"}])),
            "bad.jsonl:1: segments.0: family 'teaser-acts' is boilerplate, so boilerplate must be True",
        ),
        (
            json.dumps(document(segments=[{"text": "x", "boilerplate": False, "acts": [], "lable": 1}])),
            "bad.jsonl:1: segments.0.lable: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_lines_are_named_by_file_line_and_field(tmp_path, line, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_documents([path])
    assert any(expected in str(problem) for problem in raised.value.problems), raised.value.problems


def test_nothing_is_returned_from_a_half_valid_file(tmp_path):
    path = tmp_path / "half.jsonl"
    path.write_text(json.dumps(document("ok")) + "\n{broken\n", encoding="utf-8")
    loaded, problems = check_files([path])
    assert loaded == []
    assert [p.line for p in problems] == [2]


def test_duplicate_ids_and_segments_are_reported(tmp_path):
    first = write_jsonl(tmp_path / "one.jsonl", [document("a")])
    second = write_jsonl(tmp_path / "two.jsonl", [document("a")])
    with pytest.raises(DataError, match="'a' already used at"):
        read_documents([first, second])
    _, problems = check_files([first, second])
    messages = [str(p) for p in problems]
    assert sum("duplicate of" in m for m in messages) == 4
    assert any(m.startswith(f"{second}:1: segments.1.text: duplicate of {first}:1 segments.1") for m in messages)


def test_mixed_formats_in_one_file_are_refused(tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", [document(), {"text": "x", "boilerplate": False, "acts": []}])
    with pytest.raises(DataError, match="mixes document lines and segment lines"):
        read_documents([path])


def test_unreadable_and_empty_files_are_refused(tmp_path):
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"text": "Grève"}'.encode("latin-1"))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(DataError) as raised:
        read_documents([latin, empty, tmp_path / "absent.jsonl"])
    messages = [str(p) for p in raised.value.problems]
    assert any("not UTF-8" in m for m in messages)
    assert any("holds no record" in m for m in messages)
    assert any("cannot read the file" in m for m in messages)


def test_data_check_command(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [document("a"), document("b")])
    result = runner.invoke(app, ["data", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 documents, 8 segments" in result.output
    bad = write_jsonl(tmp_path / "bad.jsonl", [document("c", lang="")])
    result = runner.invoke(app, ["data", "check", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1: lang:" in result.output


def test_split_is_by_document_reproducible_and_stratified(tmp_path):
    documents = [
        Document.model_validate(document(f"{domain}-{i}", domain=domain))
        for domain in ("labour", "trade")
        for i in range(20)
    ]
    splits = split_documents(documents, seed=7)
    assert {name: len(docs) for name, docs in splits.items()} == {"train": 28, "dev": 6, "test": 6}
    for docs in splits.values():
        assert {d.domain for d in docs} == {"labour", "trade"}
    assert split_documents(reversed(documents), seed=7) == splits
    assert split_documents(documents, seed=8) != splits


def test_split_keeps_the_documents_of_an_earlier_split(tmp_path):
    old = [document(f"old{i}") for i in range(20)]
    runner.invoke(
        app, ["data", "split", str(write_jsonl(tmp_path / "old.jsonl", old)), "--output", str(tmp_path / "v1")]
    )
    before = {name: [d.doc_id for d in read_documents([tmp_path / "v1" / f"{name}.jsonl"])] for name in SPLITS}
    grown = write_jsonl(tmp_path / "all.jsonl", [*old, *(document(f"new{i}") for i in range(20))])
    result = runner.invoke(
        app, ["data", "split", str(grown), "--output", str(tmp_path / "v2"), "--keep", str(tmp_path / "v1")]
    )
    assert result.exit_code == 0, result.output
    after = {name: [d.doc_id for d in read_documents([tmp_path / "v2" / f"{name}.jsonl"])] for name in SPLITS}
    for name in SPLITS:
        assert after[name][: len(before[name])] == before[name]
    assert [len(after[name]) - len(before[name]) for name in SPLITS] == [14, 3, 3]


def test_split_and_stats_commands(tmp_path):
    source = write_jsonl(tmp_path / "all.jsonl", [document(f"d{i}") for i in range(20)])
    result = runner.invoke(app, ["data", "split", str(source), "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = [tmp_path / "out" / f"{name}.jsonl" for name in ("train", "dev", "test")]
    assert [len(read_documents([f])) for f in files] == [14, 3, 3]
    result = runner.invoke(app, ["data", "stats", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "documents: 20   segments: 80" in result.output
    assert "documents per split: train 14, dev 3, test 3" in result.output
    assert "exact duplicate segments: 0 (0.00%)" in result.output
