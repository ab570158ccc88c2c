"""The HTTP API through FastAPI's TestClient: every endpoint, every error path, the `serve` command."""

import json
import shutil
import threading
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from model.folder import read_model_metrics
from model.labels import LABELS
from model.predictor import Predictor
from parley.cli import app as cli_app
from parley.config import Settings
from serve.app import app_from_environment, create_app

ARTICLE = (
    "Accueil  Monde  Économie\n"
    "Grève : la direction propose une prime, les syndicats disent non\n"
    "La direction a proposé mardi une prime de 900 euros. « Le compte n'y est pas », a répondu M. Leroy.\n"
)
SENTENCES = ["La direction a proposé une prime.", "Le syndicat refuse.", "Le ministre est prêt à discuter."]
LIMITS = {
    "max_body_bytes": 4000,
    "max_segments_per_document": 5,
    "max_chars_per_segment": 80,
    "max_documents_per_batch": 3,
    "max_wait_ms": 1,
}


def make_settings(tiny_model_dir, **serving) -> Settings:
    return Settings.model_validate(
        {"model": {"path": str(tiny_model_dir)}, "inference": {"device": "cpu"}, "serving": {**LIMITS, **serving}}
    )


def wait_until_ready(client: TestClient) -> None:
    deadline = time.monotonic() + 10
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "not ready after 10 s"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def predictor(tiny_model_dir) -> Predictor:
    return Predictor.from_pretrained(tiny_model_dir, device="cpu")


@pytest.fixture(scope="module")
def client(tiny_model_dir, predictor):
    with TestClient(create_app(make_settings(tiny_model_dir), predictor)) as client:
        wait_until_ready(client)
        yield client


class GatedPredictor:
    """The tiny predictor, whose forward passes wait for ``gate`` and may be made to fail."""

    def __init__(self, predictor: Predictor) -> None:
        self._predictor = predictor
        self.gate = threading.Event()
        self.fail = False

    def __getattr__(self, name):
        return getattr(self._predictor, name)

    def score_encoded(self, pages):
        assert self.gate.wait(timeout=10)
        if self.fail:
            raise RuntimeError("a bug in the model")
        return self._predictor.score_encoded(pages)


def without_request_id(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "request_id"}


# --- classify -------------------------------------------------------------------------------------------------


def test_classify_text_labels_every_sentence_with_offsets_as_the_predictor_does(client, predictor):
    response = client.post("/v1/classify", json={"text": ARTICLE})
    assert response.status_code == 200
    answer = response.json()
    assert answer["model"] == {"name": "tiny-test-model", "version": "0.0.1", "backbone": "random tiny BERT"}
    assert answer["request_id"] == response.headers["X-Request-ID"]
    expected = predictor.predict_document(ARTICLE, "fr")
    assert len(answer["sentences"]) == len(expected) == 4
    for sentence, prediction in zip(answer["sentences"], expected, strict=True):
        assert ARTICLE[sentence["start"] : sentence["end"]] == sentence["text"]
        assert sentence == {
            "index": prediction.index,
            "text": prediction.text,
            "start": prediction.start,
            "end": prediction.end,
            "boilerplate": prediction.boilerplate,
            "acts": prediction.acts,
            "scores": prediction.scores,
            "truncated": False,
        }
        assert list(sentence["scores"]) == list(LABELS)


def test_a_text_plain_body_is_the_text(client):
    as_json = client.post("/v1/classify", json={"text": ARTICLE}).json()
    as_text = client.post(
        "/v1/classify", content=ARTICLE.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    ).json()
    assert without_request_id(as_text) == without_request_id(as_json)


def test_a_text_plain_body_in_another_charset_is_decoded(client):
    text = "Grève à Orléans : la direction propose une prime."
    latin1 = client.post(
        "/v1/classify", content=text.encode("latin-1"), headers={"Content-Type": "text/plain; charset=latin-1"}
    )
    assert latin1.status_code == 200
    assert latin1.json()["sentences"][0]["text"] == text


def test_sentences_are_one_document_without_offsets(client, predictor):
    answer = client.post("/v1/classify", json={"sentences": SENTENCES}).json()
    expected = predictor.predict_segments(SENTENCES)
    assert [s["text"] for s in answer["sentences"]] == SENTENCES
    assert all(s["start"] is None and s["end"] is None for s in answer["sentences"])
    assert [s["scores"] for s in answer["sentences"]] == [p.scores for p in expected]
    assert [s["acts"] for s in answer["sentences"]] == [p.acts for p in expected]


def test_a_long_segment_is_cut_for_the_model_and_flagged_never_dropped(client, predictor):
    long = "La direction propose une prime " + "très " * 40 + "importante."
    answer = client.post("/v1/classify", json={"text": "Le syndicat refuse.\n" + long}).json()
    short, cut = answer["sentences"]
    assert short["truncated"] is False
    assert cut["truncated"] is True
    assert cut["text"] == long
    assert cut["end"] - cut["start"] == len(long)
    expected = predictor.predict_segments(["Le syndicat refuse.", long[: LIMITS["max_chars_per_segment"]]])
    assert cut["scores"] == expected[1].scores


def test_the_language_field_is_accepted(client):
    response = client.post(
        "/v1/classify", json={"text": "The union rejected the offer. Talks resume.", "language": "en"}
    )
    assert response.status_code == 200
    assert len(response.json()["sentences"]) == 2


def test_a_client_request_id_is_kept_and_a_forged_one_replaced(client):
    kept = client.post("/v1/classify", json={"text": "Bonjour."}, headers={"X-Request-ID": "abc-123"})
    assert kept.headers["X-Request-ID"] == "abc-123" == kept.json()["request_id"]
    forged = client.get("/healthz", headers={"X-Request-ID": "ok INFO forged line"})
    assert forged.headers["X-Request-ID"] != "ok INFO forged line"
    assert len(forged.headers["X-Request-ID"]) == 32


# --- batch ----------------------------------------------------------------------------------------------------


def test_batch_answers_each_document_as_classify_would(client):
    other = "Le syndicat rejette l'offre. Le ministre est prêt à recevoir les syndicats."
    response = client.post(
        "/v1/classify/batch", json={"documents": [{"id": "a", "text": ARTICLE}, {"id": "b", "text": other}]}
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["request_id"] == response.headers["X-Request-ID"]
    assert [document["id"] for document in answer["documents"]] == ["a", "b"]
    for document, text in zip(answer["documents"], [ARTICLE, other], strict=True):
        alone = client.post("/v1/classify", json={"text": text}).json()
        assert document["sentences"] == alone["sentences"]


# --- model, health, metrics, docs -----------------------------------------------------------------------------


def test_model_info_has_labels_thresholds_backbone_and_metrics(client):
    info = client.get("/v1/model").json()
    assert info == {
        "name": "tiny-test-model",
        "version": "0.0.1",
        "backbone": "random tiny BERT",
        "labels": list(LABELS),
        "thresholds": dict.fromkeys(LABELS, 0.5),
        "metrics": None,
        "device": "cpu",
        "backend": "torch",
    }


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_metrics_count_requests_latency_batches_segments_and_errors(client):
    client.post("/v1/classify", json={"sentences": SENTENCES})
    client.post("/v1/classify", json={"text": ""})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'parley_http_requests_total{endpoint="/v1/classify",status="200"}' in text
    assert 'parley_http_request_duration_seconds_bucket{endpoint="/v1/classify",le="0.5"}' in text
    assert "parley_batch_windows_count" in text and "parley_batch_requests_count" in text
    assert metric(text, "parley_segments_classified_total") >= len(SENTENCES)
    assert metric(text, 'parley_errors_total{code="empty_text"}') >= 1


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")


def test_openapi_docs_show_both_bodies_with_examples(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/v1/classify",
        "/v1/classify/batch",
        "/v1/model",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/admin/reload",
        "/v1/feedback",
    }
    classify_body = spec["paths"]["/v1/classify"]["post"]["requestBody"]["content"]
    assert {"text", "sentences"} <= set(classify_body["application/json"]["examples"])
    assert "example" in classify_body["text/plain"]
    batch_body = spec["paths"]["/v1/classify/batch"]["post"]["requestBody"]["content"]["application/json"]
    assert "documents" in batch_body["examples"]
    feedback_body = spec["paths"]["/v1/feedback"]["post"]["requestBody"]["content"]["application/json"]
    assert {"item", "items"} <= set(feedback_body["examples"])
    assert len(feedback_body["schema"]["oneOf"]) == 2  # one correction, or several


def test_the_web_page_and_its_files_are_served_outside_the_api_docs(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Request-ID"]
    for name, media_type in [("app.css", "text/css"), ("app.js", "text/javascript")]:
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(media_type)
        assert f'"static/{name}"' in page.text
    missing = client.get("/static/nothing.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    metrics = client.get("/metrics").text
    assert 'parley_http_requests_total{endpoint="/",status="200"}' in metrics
    assert 'parley_http_requests_total{endpoint="/static/{name}",status="200"}' in metrics


# --- errors ---------------------------------------------------------------------------------------------------

JSON_TYPE = {"Content-Type": "application/json"}
TEXT_TYPE = {"Content-Type": "text/plain"}


@pytest.mark.parametrize(
    ("method", "path", "request_args", "status", "code"),
    [
        ("post", "/v1/classify", {"json": {"text": ""}}, 422, "empty_text"),
        ("post", "/v1/classify", {"json": {"text": " \n\t "}}, 422, "empty_text"),
        ("post", "/v1/classify", {"content": b"", "headers": TEXT_TYPE}, 422, "empty_text"),
        ("post", "/v1/classify", {"json": {"sentences": []}}, 422, "empty_text"),
        ("post", "/v1/classify", {"json": {"sentences": ["Bonjour.", "  "]}}, 422, "empty_text"),
        ("post", "/v1/classify", {"json": {"text": "a", "sentences": ["b"]}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": {}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": {"text": 5}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": {"sentences": "Bonjour."}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": {"sentences": ["a", 3]}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": {"text": "a", "colour": "red"}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": {"text": "a", "language": "x"}}, 422, "invalid_request"),
        ("post", "/v1/classify", {"json": ["a", "b"]}, 422, "invalid_request"),
        ("post", "/v1/classify", {"content": b'{"text": "a"', "headers": JSON_TYPE}, 400, "invalid_json"),
        ("post", "/v1/classify", {"content": b"", "headers": JSON_TYPE}, 400, "invalid_json"),
        ("post", "/v1/classify", {"content": b'{"text": "\xe9t\xe9"}', "headers": JSON_TYPE}, 400, "undecodable_body"),
        ("post", "/v1/classify", {"content": "Grève".encode("latin-1"), "headers": TEXT_TYPE}, 400, "undecodable_body"),
        (
            "post",
            "/v1/classify",
            {"content": b"a", "headers": {"Content-Type": "text/plain; charset=nope"}},
            415,
            "unsupported_media_type",
        ),
        (
            "post",
            "/v1/classify",
            {"content": b"a", "headers": {"Content-Type": "image/png"}},
            415,
            "unsupported_media_type",
        ),
        ("post", "/v1/classify", {"data": {"text": "a"}}, 415, "unsupported_media_type"),
        ("post", "/v1/classify", {"content": b"a"}, 415, "unsupported_media_type"),
        ("post", "/v1/classify", {"content": b"a" * 4001, "headers": TEXT_TYPE}, 413, "payload_too_large"),
        ("post", "/v1/classify", {"json": {"text": "a\nb\nc\nd\ne\nf"}}, 413, "too_many_segments"),
        ("post", "/v1/classify", {"json": {"sentences": list("abcdef")}}, 413, "too_many_segments"),
        ("post", "/v1/classify/batch", {"json": {"documents": []}}, 422, "invalid_request"),
        ("post", "/v1/classify/batch", {"json": {"documents": [{"text": "a"}]}}, 422, "invalid_request"),
        ("post", "/v1/classify/batch", {"json": {"documents": [{"id": "a", "text": ["a"]}]}}, 422, "invalid_request"),
        ("post", "/v1/classify/batch", {"json": {"documents": [{"id": "a", "text": " "}]}}, 422, "empty_text"),
        ("post", "/v1/classify/batch", {"json": {"text": "a"}}, 422, "invalid_request"),
        (
            "post",
            "/v1/classify/batch",
            {"json": {"documents": [{"id": str(i), "text": "a"} for i in range(4)]}},
            413,
            "too_many_documents",
        ),
        (
            "post",
            "/v1/classify/batch",
            {"json": {"documents": [{"id": "a", "text": "a\nb\nc\nd\ne\nf"}]}},
            413,
            "too_many_segments",
        ),
        ("post", "/v1/classify/batch", {"content": b'{"documents": [', "headers": JSON_TYPE}, 400, "invalid_json"),
        (
            "post",
            "/v1/classify/batch",
            {"content": b'{"documents": "\xff"}', "headers": JSON_TYPE},
            400,
            "undecodable_body",
        ),
        ("post", "/v1/classify/batch", {"content": b"a", "headers": TEXT_TYPE}, 415, "unsupported_media_type"),
        ("post", "/v1/classify/batch", {"content": b"{}"}, 415, "unsupported_media_type"),
        ("post", "/v1/classify/batch", {"content": b"{}" * 2001, "headers": JSON_TYPE}, 413, "payload_too_large"),
        ("get", "/v1/nothing", {}, 404, "not_found"),
        ("get", "/v1/classify", {}, 405, "method_not_allowed"),
        ("delete", "/v1/model", {}, 405, "method_not_allowed"),
    ],
)
def test_bad_input_gets_a_json_error_with_a_code(client, method, path, request_args, status, code):
    response = client.request(method.upper(), path, **request_args)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]
    assert answer["request_id"] == response.headers["X-Request-ID"]


def test_a_streamed_body_over_the_limit_is_refused_without_a_content_length(client):
    chunks = (b"Une phrase. " * 100 for _ in range(10))  # about 12 000 bytes, sent chunked
    response = client.post("/v1/classify", content=chunks, headers=TEXT_TYPE)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


# --- readiness, timeouts and bugs (a gated predictor) ------------------------------------------------------------


def test_readyz_is_503_until_the_warm_up_pass_is_done(tiny_model_dir, predictor):
    gated = GatedPredictor(predictor)
    settings = make_settings(tiny_model_dir, request_timeout_s=0.2)
    with TestClient(create_app(settings, gated)) as client:
        assert client.get("/healthz").status_code == 200
        waiting = client.get("/readyz")
        assert waiting.status_code == 503 and waiting.json() == {"status": "warming up"}
        timed_out = client.post("/v1/classify", json={"text": "Bonjour."})
        assert timed_out.status_code == 503
        assert timed_out.json()["error"]["code"] == "timeout"
        gated.gate.set()
        wait_until_ready(client)
        assert client.post("/v1/classify", json={"text": "Bonjour."}).status_code == 200


def test_a_bug_is_a_logged_500_json_error(tiny_model_dir, predictor, caplog):
    gated = GatedPredictor(predictor)
    gated.gate.set()
    with TestClient(create_app(make_settings(tiny_model_dir), gated)) as client:
        wait_until_ready(client)
        gated.fail = True
        response = client.post("/v1/classify", json={"text": "Bonjour."}, headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "a bug in the model" not in response.text
    logged = [record for record in caplog.records if record.levelname == "ERROR"]
    assert any("RuntimeError" in record.getMessage() and "Traceback" not in record.getMessage() for record in logged)
    assert "RuntimeError: a bug in the model" not in caplog.text  # an error's message: at debug level only


def test_without_a_predictor_the_app_loads_the_configured_model_and_its_metrics(tiny_model_dir, tmp_path):
    model_dir = shutil.copytree(tiny_model_dir, tmp_path / "model")
    metrics = {"test": {"macro_f1": 0.5, "labels": {"boilerplate": {"f1": 0.9}}}}
    (model_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    with TestClient(create_app(make_settings(model_dir))) as client:
        wait_until_ready(client)
        info = client.get("/v1/model").json()
    assert info["name"] == "tiny-test-model"
    assert info["metrics"] == metrics


def test_unreadable_model_metrics_are_ignored(tmp_path):
    (tmp_path / "metrics.json").write_text("{not json", encoding="utf-8")
    assert read_model_metrics(tmp_path) is None


def test_a_worker_process_builds_its_app_from_the_environment(tiny_model_dir, tmp_path, monkeypatch):
    config = tmp_path / "serve.yaml"
    config.write_text("serving:\n  max_wait_ms: 7\n")
    monkeypatch.setenv("PARLEY_CONFIG", str(config))
    monkeypatch.setenv("PARLEY_MODEL__PATH", str(tiny_model_dir))
    monkeypatch.setenv("PARLEY_SERVING__PORT", "8123")
    settings = app_from_environment().state.settings
    assert settings.serving.port == 8123
    assert settings.serving.max_wait_ms == 7
    assert settings.model.path == tiny_model_dir


# --- parley serve ---------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def uvicorn_runs(monkeypatch, feedback_database_env):
    """What `parley serve` hands to uvicorn.run, instead of serving."""
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setattr("serve.logs.configure_logging", lambda level: None)  # leave pytest's logging alone
    return calls


def test_serve_runs_uvicorn_with_the_options_over_the_config(tiny_model_dir, tmp_path, uvicorn_runs):
    config = tmp_path / "serve.yaml"
    config.write_text("serving:\n  port: 9000\n  max_wait_ms: 7\n")
    result = runner.invoke(
        cli_app,
        ["serve", "--model", str(tiny_model_dir), "--host", "127.0.0.2", "--device", "cpu", "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    [(app, options)] = uvicorn_runs
    assert options["host"] == "127.0.0.2" and options["port"] == 9000
    settings = app.state.settings
    assert settings.serving.max_wait_ms == 7
    assert settings.model.path == tiny_model_dir
    assert settings.inference.device == "cpu"


def test_serve_with_workers_hands_the_settings_to_each_worker(tiny_model_dir, tmp_path, uvicorn_runs, monkeypatch):
    config = tmp_path / "serve.yaml"
    config.write_text("serving:\n  max_wait_ms: 7\n")
    # Empty values are no override; the test's end removes what the command sets.
    for name in ("PARLEY_CONFIG", "PARLEY_MODEL__PATH", "PARLEY_SERVING__PORT", "PARLEY_SERVING__WORKERS"):
        monkeypatch.setenv(name, "")
    result = runner.invoke(
        cli_app,
        ["serve", "--model", str(tiny_model_dir), "--workers", "2", "--port", "8001", "--config", str(config)],
    )
    assert result.exit_code == 0, result.output
    [(app, options)] = uvicorn_runs
    assert app == "serve.app:app_from_environment"
    assert options["factory"] is True and options["workers"] == 2
    # What a worker builds from the environment that the command left.
    settings = app_from_environment().state.settings
    assert settings.serving.port == 8001 and settings.serving.workers == 2
    assert settings.serving.max_wait_ms == 7
    assert settings.model.path == tiny_model_dir


def test_serve_names_a_missing_model_folder(tmp_path, uvicorn_runs):
    result = runner.invoke(cli_app, ["serve", "--model", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "model folder not found" in result.output
    assert "Traceback" not in result.output
    assert uvicorn_runs == []


def test_serve_with_the_onnx_backend_and_no_export_says_how_to_make_one(tiny_model_dir, uvicorn_runs):
    result = runner.invoke(cli_app, ["serve", "--model", str(tiny_model_dir), "--backend", "onnx"])
    assert result.exit_code == 1
    assert "no ONNX export" in result.output and "parley export" in result.output
    assert uvicorn_runs == []


def test_serve_names_a_bad_config(tmp_path, uvicorn_runs):
    config = tmp_path / "bad.yaml"
    config.write_text("serving:\n  max_wait_ms: -1\n")
    result = runner.invoke(cli_app, ["serve", "--config", str(config)])
    assert result.exit_code == 2
    assert "serving.max_wait_ms" in result.output
