"""POST /v1/admin/reload: disabled without a token, bearer token checked, folders confined to the models root,
the new model self-checked and swapped in with no request failing, a failed reload keeping the old model."""

import json
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from model.metadata import CONFIG_KEY
from model.predictor import Predictor
from parley.config import ConfigError, Settings
from serve.admin import resolve_model_folder
from serve.app import create_app
from tests.live_server import live_server
from tests.slow_predictor import SlowPredictor
from tests.tiny_model import build_tiny_model

TOKEN = "s3cret-admin-token-for-tests"
ENV = "PARLEY_TEST_ADMIN_TOKEN"


def settings_for(models_root, model_dir, **serving) -> Settings:
    return Settings.model_validate(
        {
            "model": {"path": str(model_dir)},
            "inference": {"device": "cpu", "backend": "torch"},
            "serving": {"admin_token_env": ENV, "models_root": str(models_root), "max_wait_ms": 2, **serving},
        }
    )


@pytest.fixture(scope="module")
def models_root(tiny_model_dir, tmp_path_factory):
    """models/current (the tiny model), models/other (another tiny model, other name), models/broken, …"""
    root = tmp_path_factory.mktemp("models")
    shutil.copytree(tiny_model_dir, root / "current")
    other = build_tiny_model(root / "other", seed=1)
    config = json.loads((other / "config.json").read_text())
    config[CONFIG_KEY].update(name="other-model", version="2.0.0")
    (other / "config.json").write_text(json.dumps(config))
    broken = shutil.copytree(tiny_model_dir, root / "broken")
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    plain = shutil.copytree(tiny_model_dir, root / "plain")
    config = json.loads((plain / "config.json").read_text())
    del config[CONFIG_KEY]
    (plain / "config.json").write_text(json.dumps(config))
    (root / "not-a-model").mkdir()
    return root


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_until_ready(client) -> None:
    deadline = time.monotonic() + 10
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.fixture
def client(models_root, monkeypatch):
    monkeypatch.setenv(ENV, TOKEN)
    settings = settings_for(models_root, models_root / "current")
    with TestClient(create_app(settings, Predictor.from_pretrained(models_root / "current", device="cpu"))) as client:
        wait_until_ready(client)
        yield client


def test_reload_is_404_while_no_token_is_set(models_root, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    settings = settings_for(models_root, models_root / "current")
    with TestClient(create_app(settings, Predictor.from_pretrained(models_root / "current", device="cpu"))) as client:
        response = client.post("/v1/admin/reload", json={"model": "other"}, headers=auth())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "admin_disabled"
    assert ENV in response.json()["error"]["message"]


def test_a_short_token_is_a_configuration_error(models_root, monkeypatch):
    monkeypatch.setenv(ENV, "short")
    with pytest.raises(ConfigError, match="shorter than 16"):
        create_app(settings_for(models_root, models_root / "current"))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        auth("wrong-token-of-enough-length"),
        auth(TOKEN + "x"),
        {"Authorization": TOKEN},
        {"Authorization": "Basic x"},
    ],
)
def test_a_missing_or_wrong_token_is_401(client, headers):
    response = client.post("/v1/admin/reload", json={"model": "other"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/model").json()["name"] == "tiny-test-model"


@pytest.mark.parametrize("name", ["/etc", "../current", "other/../../x", "~/models", "C:\\models", "a\x00b", "."])
def test_folders_outside_the_models_root_are_refused_without_looking(client, name):
    response = client.post("/v1/admin/reload", json={"model": name}, headers=auth())
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "forbidden_path",
        "message": "model must be a relative path to a folder under serving.models_root",
    }


def test_a_symbolic_link_out_of_the_root_is_refused(tmp_path, tiny_model_dir):
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to(tiny_model_dir, target_is_directory=True)
    with pytest.raises(Exception, match="relative path to a folder under") as raised:
        resolve_model_folder(root, "escape")
    assert raised.value.status == 403


def test_a_good_model_is_swapped_in(client, models_root):
    response = client.post("/v1/admin/reload", json={"model": "other"}, headers=auth())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model"]["name"] == "other-model" and answer["previous"]["name"] == "tiny-test-model"
    assert answer["path"] == "other" and answer["backend"] == "torch"
    assert client.get("/v1/model").json()["version"] == "2.0.0"
    classified = client.post("/v1/classify", json={"text": "La direction propose une prime."}).json()
    assert classified["model"]["name"] == "other-model"
    assert 'parley_model_reloads_total{outcome="swapped"} 1.0' in client.get("/metrics").text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("broken", "corrupt or truncated"),
        ("plain", "no Parley metadata"),
        ("not-a-model", "holds no config.json"),
        ("absent", "there is no folder 'absent'"),
    ],
)
def test_a_failed_reload_keeps_the_old_model_and_says_why(client, name, reason):
    response = client.post("/v1/admin/reload", json={"model": name}, headers=auth())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "reload_failed"
    assert reason in error["message"] and "Still serving tiny-test-model 0.0.1" in error["message"]
    assert client.get("/v1/model").json()["name"] == "tiny-test-model"
    assert client.post("/v1/classify", json={"text": "Le syndicat refuse."}).status_code == 200


def test_a_model_that_fails_its_self_check_is_not_swapped_in(client, monkeypatch):
    import numpy as np

    monkeypatch.setattr(Predictor, "score_pages", lambda self, pages: [np.full((len(p), 5), np.nan) for p in pages])
    response = client.post("/v1/admin/reload", json={"model": "other"}, headers=auth())
    monkeypatch.undo()
    assert response.status_code == 422
    assert "not finite values in [0, 1]" in response.json()["error"]["message"]
    assert client.get("/v1/model").json()["name"] == "tiny-test-model"


def test_no_request_fails_while_models_are_swapped_back_and_forth(models_root, monkeypatch):
    """Concurrent clients classify over real HTTP while the model is reloaded several times: every answer is a
    200 from one of the two models, in-flight requests finish on the model they started with."""
    monkeypatch.setenv(ENV, TOKEN)
    settings = settings_for(models_root, models_root / "current", request_timeout_s=30)
    slow = SlowPredictor(Predictor.from_pretrained(models_root / "current", device="cpu"), delay=0.02)
    stop = threading.Event()
    statuses: list[int] = []
    names: set[str] = set()

    def hammer(url: str) -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                response = http.post(f"{url}/v1/classify", json={"text": "La direction propose. Le syndicat refuse."})
                statuses.append(response.status_code)
                if response.status_code == 200:
                    names.add(response.json()["model"]["name"])

    with (
        live_server(create_app(settings, slow)) as url,
        ThreadPoolExecutor(6) as pool,
        httpx.Client(timeout=30) as http,
    ):
        deadline = time.monotonic() + 10
        while http.get(f"{url}/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        clients = [pool.submit(hammer, url) for _ in range(6)]
        reloads = []
        try:
            time.sleep(0.3)
            for name in ["other", "current", "other", "broken", "current"]:
                reloads.append(http.post(f"{url}/v1/admin/reload", json={"model": name}, headers=auth()))
                time.sleep(0.2)
        finally:
            stop.set()
        for future in clients:
            future.result()
        final = http.get(f"{url}/v1/model").json()["name"]
    assert [r.status_code for r in reloads] == [200, 200, 200, 422, 200]
    assert len(statuses) > 50
    assert set(statuses) == {200}, f"{len(statuses)} requests, statuses {sorted(set(statuses))}"
    assert names == {"tiny-test-model", "other-model"}
    assert final == "tiny-test-model"


def test_two_reloads_at_once_the_second_is_409(client, monkeypatch):
    import serve.admin

    started, release = threading.Event(), threading.Event()
    real = serve.admin._load_and_check

    def slow_load(settings, folder):
        started.set()
        assert release.wait(10)
        return real(settings, folder)

    monkeypatch.setattr(serve.admin, "_load_and_check", slow_load)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/v1/admin/reload", json={"model": "other"}, headers=auth())
        assert started.wait(10)
        second = client.post("/v1/admin/reload", json={"model": "current"}, headers=auth())
        release.set()
        assert first.result().status_code == 200
    assert second.status_code == 409 and second.json()["error"]["code"] == "reload_in_progress"
