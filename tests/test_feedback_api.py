"""POST /v1/feedback through FastAPI's TestClient, on SQLite and on a real PostgreSQL server: what is stored,
what is refused (nothing stored), who may send, and `parley feedback export|stats` on what was stored."""

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from feedback.store import FeedbackStore
from model.labels import LABELS
from model.predictor import Predictor
from parley.cli import app as cli_app
from parley.config import Settings
from serve.app import create_app
from training.data import read_documents

PAGE = ["Accueil  Monde", "La direction propose une prime de 900 euros.", "« Le compte n'y est pas », dit M. Leroy."]
TOKEN = "feedback-token-0123456789"


@pytest.fixture(scope="module")
def predictor(tiny_model_dir) -> Predictor:
    return Predictor.from_pretrained(tiny_model_dir, device="cpu")


def make_settings(tiny_model_dir, database_url, host="127.0.0.1", **feedback) -> Settings:
    return Settings.model_validate(
        {
            "model": {"path": str(tiny_model_dir)},
            "inference": {"device": "cpu"},
            "serving": {"host": host, "max_chars_per_segment": 200, "max_segments_per_document": 10},
            "feedback": {"database_url": database_url, "token_env": "PARLEY_TEST_FEEDBACK_TOKEN", **feedback},
        }
    )


@pytest.fixture
def client(tiny_model_dir, database_url, predictor):
    settings = make_settings(tiny_model_dir, database_url, max_items_per_request=3)
    with TestClient(create_app(settings, predictor)) as client:
        yield client


def stored(database_url):
    store = FeedbackStore(database_url)
    try:
        return list(store.corrections())
    finally:
        store.close()


def test_a_correction_is_stored_with_the_model_its_scores_the_client_and_the_page(client, database_url, predictor):
    response = client.post(
        "/v1/feedback",
        json={"text": PAGE[2], "boilerplate": False, "acts": ["refusal"], "context": PAGE, "request_id": "abc-1"},
        headers={"X-Parley-Client": "alice@example.org"},
    )
    assert response.status_code == 201
    (row,) = stored(database_url)
    assert response.json() == {"id": row.id}
    assert (row.text, row.boilerplate, row.acts, row.context) == (PAGE[2], False, ["refusal"], PAGE)
    assert (row.client, row.request_id, row.language) == ("alice@example.org", "abc-1", "fr")
    assert (row.model_name, row.model_version) == (predictor.metadata.name, predictor.metadata.version)
    # Not supplied, so computed now: the scores /v1/classify gives the sentence on the same page.
    classified = client.post("/v1/classify", json={"sentences": PAGE}).json()["sentences"][2]["scores"]
    assert row.scores == pytest.approx(classified, abs=1e-4)
    assert len(row.text_hash) == 64 and row.page_hash is not None


def test_several_corrections_are_stored_together_with_the_scores_and_model_the_client_saw(client, database_url):
    seen = {label: 0.25 for label in LABELS}
    items = [
        {
            "text": PAGE[0],
            "boilerplate": True,
            "context": PAGE,
            "scores": seen,
            "model": {"name": "old", "version": "1"},
        },
        {"text": PAGE[1], "boilerplate": False, "acts": ["proposal", "condition"], "language": "en"},
    ]
    response = client.post("/v1/feedback", json={"items": items})
    assert response.status_code == 201
    rows = stored(database_url)
    assert response.json() == {"ids": [row.id for row in rows]}
    assert (rows[0].scores, rows[0].model_name, rows[0].model_version) == (seen, "old", "1")
    assert (rows[1].acts, rows[1].language, rows[1].context) == (["proposal", "condition"], "en", None)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "Le syndicat refuse.", "boilerplate": False, "acts": ["rejection"]}, 422, "invalid_request"),
        ({"text": "   ", "boilerplate": False}, 422, "invalid_request"),
        ({"text": "Menu", "boilerplate": True, "acts": ["proposal"]}, 422, "invalid_request"),
        ({"text": "Le syndicat refuse.", "boilerplate": "no"}, 422, "invalid_request"),
        ({"text": PAGE[1], "boilerplate": False, "context": [PAGE[0]]}, 422, "invalid_request"),
        ({"text": PAGE[1], "boilerplate": False, "scores": {"proposal": 0.9}}, 422, "invalid_request"),
        ({"text": "x" * 201, "boilerplate": False}, 413, "text_too_long"),
        ({"text": PAGE[1], "boilerplate": False, "context": [PAGE[1]] + ["autre"] * 10}, 413, "too_many_segments"),
        ({"items": [{"text": f"phrase {i}", "boilerplate": False} for i in range(4)]}, 413, "too_many_items"),
        ({"items": [{"text": "ok", "boilerplate": False}, {"text": "", "boilerplate": False}]}, 422, "invalid_request"),
        ({"items": []}, 422, "invalid_request"),
    ],
)
def test_bad_corrections_are_refused_with_json_errors_and_nothing_is_stored(client, database_url, body, status, code):
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert stored(database_url) == []


def test_a_bad_client_name_or_body_is_refused(client, database_url):
    item = {"text": PAGE[1], "boilerplate": False}
    assert client.post("/v1/feedback", json=item, headers={"X-Parley-Client": "a\tb"}).status_code == 400
    assert client.post("/v1/feedback", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/v1/feedback", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert stored(database_url) == []


def test_a_server_bound_beyond_loopback_refuses_feedback_without_a_token(tiny_model_dir, database_url, predictor):
    settings = make_settings(tiny_model_dir, database_url, host="0.0.0.0")
    with TestClient(create_app(settings, predictor)) as client:
        response = client.post("/v1/feedback", json={"text": PAGE[1], "boilerplate": False})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "feedback_disabled"
    assert "PARLEY_TEST_FEEDBACK_TOKEN" in response.json()["error"]["message"]


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_with_a_token_set_only_callers_that_send_it_are_heard(
    tiny_model_dir, database_url, predictor, host, monkeypatch
):
    monkeypatch.setenv("PARLEY_TEST_FEEDBACK_TOKEN", TOKEN)
    item = {"text": PAGE[1], "boilerplate": False, "acts": ["proposal"]}
    with TestClient(create_app(make_settings(tiny_model_dir, database_url, host=host), predictor)) as client:
        assert client.post("/v1/feedback", json=item).status_code == 401
        wrong = client.post("/v1/feedback", json=item, headers={"Authorization": "Bearer wrong-token-0123456789"})
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
        assert client.post("/v1/feedback", json=item, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 201
    assert len(stored(database_url)) == 1


def test_a_database_that_cannot_be_written_answers_503_and_the_classifier_still_works(tiny_model_dir, predictor):
    settings = make_settings(tiny_model_dir, "postgresql://parley:secret@127.0.0.1:9/none")
    with TestClient(create_app(settings, predictor)) as client:
        response = client.post("/v1/feedback", json={"text": PAGE[1], "boilerplate": False})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "feedback_unavailable"
        assert "secret" not in response.text
        assert client.post("/v1/classify", json={"sentences": PAGE}).status_code == 200


def test_the_cli_exports_what_was_stored_as_training_pages_and_counts_it(client, database_url, tmp_path):
    labels = [(True, []), (False, ["proposal"]), (False, ["refusal"])]
    items = [{"text": t, "boilerplate": b, "acts": a, "context": PAGE} for t, (b, a) in zip(PAGE, labels, strict=True)]
    assert client.post("/v1/feedback", json={"items": items}).status_code == 201
    environment = {"PARLEY_FEEDBACK__DATABASE_URL": database_url}
    runner = CliRunner()
    out = tmp_path / "corrections.jsonl"
    result = runner.invoke(cli_app, ["feedback", "export", "--out", str(out)], env=environment)
    assert result.exit_code == 0, result.output
    assert "3 corrections: 3 labelled segments in 1 documents" in result.output
    (document,) = read_documents([out])
    assert [(s.text, s.boilerplate, list(s.acts)) for s in document.segments] == [
        (t, b, a) for t, (b, a) in zip(PAGE, labels, strict=True)
    ]
    result = runner.invoke(cli_app, ["feedback", "stats", "--json"], env=environment)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["corrections"] == 3
    assert counts["by_label"] == {
        "boilerplate": 1,
        "proposal": 1,
        "acceptance": 0,
        "refusal": 1,
        "condition": 0,
        "neutral": 0,
    }
    result = runner.invoke(cli_app, ["feedback", "stats"], env=environment)
    assert result.exit_code == 0 and "3 corrections of 3 sentences" in result.output


def test_exporting_an_empty_database_says_so_and_writes_nothing(database_url, tmp_path):
    out = tmp_path / "corrections.jsonl"
    result = CliRunner().invoke(
        cli_app, ["feedback", "export", "--out", str(out)], env={"PARLEY_FEEDBACK__DATABASE_URL": database_url}
    )
    assert result.exit_code == 1
    assert "holds no correction" in result.output
    assert not out.exists()


@pytest.fixture
def uvicorn_runs(monkeypatch, feedback_database_env):
    """What `parley serve` hands to uvicorn.run, instead of serving."""
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: calls.append(app))
    monkeypatch.setattr("serve.logs.configure_logging", lambda level: None)
    return calls


def test_serve_creates_the_database_before_it_starts(tiny_model_dir, database_url, uvicorn_runs, monkeypatch):
    monkeypatch.setenv("PARLEY_FEEDBACK__DATABASE_URL", database_url)
    result = CliRunner().invoke(cli_app, ["serve", "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    assert len(uvicorn_runs) == 1
    assert stored(database_url) == []  # the tables are there, empty


def test_serve_refuses_a_short_feedback_token_and_a_url_that_is_no_database(tiny_model_dir, uvicorn_runs, monkeypatch):
    monkeypatch.setenv("PARLEY_FEEDBACK_TOKEN", "short")
    result = CliRunner().invoke(cli_app, ["serve", "--model", str(tiny_model_dir)])
    assert result.exit_code == 2 and "PARLEY_FEEDBACK_TOKEN is shorter than 16 characters" in result.output
    monkeypatch.delenv("PARLEY_FEEDBACK_TOKEN")
    monkeypatch.setenv("PARLEY_FEEDBACK__DATABASE_URL", "mysql://localhost/parley")
    result = CliRunner().invoke(cli_app, ["serve", "--model", str(tiny_model_dir)])
    assert result.exit_code == 2 and "mysql is not supported" in result.output
    assert uvicorn_runs == []


def test_serve_warns_and_serves_when_the_database_cannot_be_reached(tiny_model_dir, uvicorn_runs, monkeypatch):
    monkeypatch.setenv("PARLEY_FEEDBACK__DATABASE_URL", "postgresql://parley:secret@127.0.0.1:9/feedback")
    result = CliRunner().invoke(cli_app, ["serve", "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    assert "warning: cannot open the feedback database" in result.output and "answers 503" in result.output
    assert "secret" not in result.output
    assert len(uvicorn_runs) == 1
