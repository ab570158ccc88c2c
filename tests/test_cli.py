import json

from typer.testing import CliRunner

from parley.cli import app

ARTICLE = (
    "Accueil  Monde  Économie\n"
    "Grève : la direction propose une prime, les syndicats disent non\n"
    "La direction a proposé mardi une prime de 900 euros. « Le compte n'y est pas », a répondu M. Leroy.\n"
)

runner = CliRunner()


def test_classify_prints_a_table_of_labelled_sentences(tiny_model_dir, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(article), "--model", str(tiny_model_dir)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "article.txt" in result.output
    assert "« Le compte n'y est pas », a répondu M. Leroy." in result.output


def test_classify_json_has_the_api_answer_shape(tiny_model_dir, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(article), "--model", str(tiny_model_dir), "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["model"] == {"name": "tiny-test-model", "version": "0.0.1", "backbone": "random tiny BERT"}
    assert len(answer["sentences"]) == 4
    for sentence in answer["sentences"]:
        assert ARTICLE[sentence["start"] : sentence["end"]] == sentence["text"]
        assert set(sentence) == {"index", "text", "start", "end", "boilerplate", "acts", "scores"}


def test_classify_reads_stdin_and_prints_one_answer_per_input(tiny_model_dir, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Le syndicat rejette l'offre.", encoding="utf-8")
    result = runner.invoke(app, ["classify", "-", str(other), "--model", str(tiny_model_dir), "--json"], input=ARTICLE)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [len(answer["sentences"]) for answer in answers] == [4, 1]


def test_classify_refuses_text_that_is_not_utf8(tiny_model_dir, tmp_path):
    article = tmp_path / "latin1.txt"
    article.write_bytes("Grève à Orléans".encode("latin-1"))
    result = runner.invoke(app, ["classify", str(article), "--model", str(tiny_model_dir)])
    assert result.exit_code == 1
    assert "latin1.txt is not UTF-8 text" in result.output


def test_classify_names_a_missing_model(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = runner.invoke(app, ["classify", str(article), "--model", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "model folder not found" in result.output


def test_classify_names_a_bad_config(tiny_model_dir, tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("inference:\n  batch_size: 0\n")
    result = runner.invoke(app, ["classify", "--model", str(tiny_model_dir), "--config", str(config)], input="x")
    assert result.exit_code == 2
    assert "inference.batch_size" in result.output
