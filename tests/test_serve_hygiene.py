"""Service hygiene: CORS off unless configured, no article text in the log below debug level, graceful
shutdown that lets requests in flight finish, and the shutdown timeout handed to uvicorn."""

import logging
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from model.predictor import Predictor
from parley.cli import app as cli_app
from parley.config import Settings
from serve.app import create_app
from tests.live_server import free_port
from tests.slow_predictor import SlowPredictor

MARKER = "Quetzalcoatl-Wombat-Zanzibar"  # a word that appears only in the posted articles
ORIGIN = "https://app.example.org"


def make_settings(tiny_model_dir, **serving) -> Settings:
    return Settings.model_validate(
        {
            "model": {"path": str(tiny_model_dir)},
            "inference": {"device": "cpu"},
            "serving": {"max_wait_ms": 1, **serving},
        }
    )


@pytest.fixture(scope="module")
def predictor(tiny_model_dir) -> Predictor:
    return Predictor.from_pretrained(tiny_model_dir, device="cpu")


def wait_until_ready(client) -> None:
    deadline = time.monotonic() + 10
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.01)


# --- CORS ----------------------------------------------------------------------------------------------------


def preflight(client: TestClient, origin: str = ORIGIN) -> httpx.Response:
    return client.options(
        "/v1/classify",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_is_off_by_default(tiny_model_dir, predictor):
    with TestClient(create_app(make_settings(tiny_model_dir), predictor)) as client:
        assert "access-control-allow-origin" not in preflight(client).headers
        response = client.post("/v1/classify", json={"text": "Bonjour."}, headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in response.headers


def test_cors_allows_the_configured_origins_only(tiny_model_dir, predictor):
    settings = make_settings(tiny_model_dir, cors_origins=[ORIGIN])
    with TestClient(create_app(settings, predictor)) as client:
        allowed = preflight(client)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "authorization" not in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-origin" not in preflight(client, "https://evil.example").headers
        response = client.post("/v1/classify", json={"text": "Bonjour."}, headers={"Origin": ORIGIN})
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "X-Request-ID" in response.headers["access-control-expose-headers"]
        error = client.post("/v1/classify", json={"text": ""}, headers={"Origin": ORIGIN})
        assert error.status_code == 422 and error.headers["access-control-allow-origin"] == ORIGIN


# --- logs ----------------------------------------------------------------------------------------------------


class LeakyPredictor:
    """Fails on pages holding "bug" with an error whose message quotes the article, as a careless library might."""

    def __init__(self, predictor: Predictor) -> None:
        self._predictor = predictor
        self._texts: dict[int, list[str]] = {}  # the segments each window was cut from, by window id

    def __getattr__(self, name):
        return getattr(self._predictor, name)

    def encode_page(self, segments):
        windows = self._predictor.encode_page(segments)
        self._texts.update({id(window): segments for window in windows})
        return windows

    def score_encoded(self, pages):
        texts = [self._texts.get(id(window), []) for page in pages for window in page]
        if any("bug" in segment for segments in texts for segment in segments):
            raise ValueError(f"cannot score {texts!r}")
        return self._predictor.score_encoded(pages)


def post_articles(client: TestClient) -> list[int]:
    article = f"La direction {MARKER} propose une prime.\nLe syndicat refuse l'offre de {MARKER}."
    return [
        client.post("/v1/classify", json={"text": article}).status_code,
        client.post("/v1/classify", content=article.encode(), headers={"Content-Type": "text/plain"}).status_code,
        client.post("/v1/classify", json={"sentences": [article, "Deux."]}).status_code,
        client.post("/v1/classify/batch", json={"documents": [{"id": "a", "text": article}]}).status_code,
        client.post("/v1/classify", json={"text": article, "extra": MARKER}).status_code,
        client.post("/v1/classify", json={"text": "\n".join([article] * 30)}).status_code,  # too many segments
        client.post("/v1/classify", json={"sentences": [article, 3]}).status_code,
        client.post("/v1/classify", json={"text": f"{MARKER} bug"}).status_code,
    ]


def test_info_logs_hold_no_article_text_and_debug_logs_do(tiny_model_dir, predictor, caplog):
    app = create_app(make_settings(tiny_model_dir, max_segments_per_document=40), LeakyPredictor(predictor))
    with TestClient(app) as client:
        wait_until_ready(client)
        caplog.clear()
        caplog.set_level(logging.INFO)
        statuses = post_articles(client)
        assert statuses == [200, 200, 200, 200, 422, 413, 422, 500]
        info_log = caplog.text
        assert "POST /v1/classify 200" in info_log and "ValueError" in info_log  # the requests were logged
        assert MARKER not in info_log

        caplog.clear()
        caplog.set_level(logging.DEBUG)
        post_articles(client)
        assert MARKER in caplog.text


# --- graceful shutdown ---------------------------------------------------------------------------------------


def test_shutdown_lets_requests_in_flight_finish(tiny_model_dir, predictor):
    settings = make_settings(tiny_model_dir)
    app = create_app(settings, SlowPredictor(predictor, delay=0.8))
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=10
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.02)
    with httpx.Client(timeout=30) as http:
        wait_until_ready(_Poll(http, url))
    results: list[httpx.Response] = []

    def classify() -> None:
        with httpx.Client(timeout=30) as http:
            results.append(http.post(f"{url}/v1/classify", json={"text": "La direction propose une prime."}))

    in_flight = [threading.Thread(target=classify) for _ in range(3)]
    for request in in_flight:
        request.start()
    time.sleep(0.3)  # the requests are waiting for the model
    server.should_exit = True  # what SIGTERM or Ctrl-C does
    for request in in_flight:
        request.join(timeout=20)
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert [response.status_code for response in results] == [200, 200, 200]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz", timeout=2)


class _Poll:
    def __init__(self, http: httpx.Client, url: str) -> None:
        self.http, self.url = http, url

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"{self.url}{path}")


def test_serve_hands_the_shutdown_timeout_to_uvicorn(tiny_model_dir, tmp_path, monkeypatch, feedback_database_env):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: calls.append(options))
    monkeypatch.setattr("serve.logs.configure_logging", lambda level: None)
    config = tmp_path / "serve.yaml"
    config.write_text("serving:\n  shutdown_timeout_s: 12\n")
    result = CliRunner().invoke(cli_app, ["serve", "--model", str(tiny_model_dir), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert calls[0]["timeout_graceful_shutdown"] == 12


def test_serve_refuses_a_short_admin_token(tiny_model_dir, monkeypatch):
    monkeypatch.setattr("uvicorn.run", lambda app, **options: pytest.fail("served"))
    monkeypatch.setattr("serve.logs.configure_logging", lambda level: None)
    monkeypatch.setenv("PARLEY_ADMIN_TOKEN", "abc")
    result = CliRunner().invoke(cli_app, ["serve", "--model", str(tiny_model_dir)])
    assert result.exit_code == 2
    assert "shorter than 16 characters" in result.output
