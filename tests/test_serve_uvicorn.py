"""A real uvicorn server on a free loopback port: concurrent requests share forward passes, and answers do
not depend on it."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from model.predictor import Predictor
from parley.config import Settings
from serve.app import create_app
from tests.live_server import live_server

TEXTS = [
    "La direction propose une prime aux contrôleurs.",
    "Le syndicat rejette l'offre. « Le compte n'y est pas », a dit son secrétaire général.",
    "Le ministre s'est dit prêt à recevoir les syndicats dès vendredi.",
    "Accueil  Monde  Économie\nLire aussi\nPartager sur Facebook",
    "Moscou a rejeté l'offre. Kiev exclut toute concession territoriale.",
    "La prime sera versée à condition que le préavis soit levé.",
    "The union rejected the offer.",
    "Die Gewerkschaft lehnt das Angebot ab.",
]


@pytest.fixture(scope="module")
def server(tiny_model_dir):
    """The app under uvicorn in a thread; the server stops when the module's tests are done."""
    settings = Settings.model_validate(
        {
            "model": {"path": str(tiny_model_dir)},
            "serving": {"max_batch_size": 64, "max_wait_ms": 100, "request_timeout_s": 20},
        }
    )
    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu")
    with live_server(create_app(settings, predictor)) as url:
        yield url


def test_readyz_turns_200_after_the_warm_up(server):
    deadline = time.monotonic() + 10
    while (response := httpx.get(f"{server}/readyz", timeout=5)).status_code != 200:
        assert response.status_code == 503 and response.json() == {"status": "warming up"}
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert response.json() == {"status": "ready"}


def test_concurrent_requests_are_batched_and_answered_as_if_alone(server):
    def classify(client: httpx.Client, text: str) -> dict:
        response = client.post(f"{server}/v1/classify", content=text.encode(), headers={"Content-Type": "text/plain"})
        assert response.status_code == 200, response.text
        answer = response.json()
        del answer["request_id"]
        return answer

    with httpx.Client(timeout=20) as client:
        alone = [classify(client, text) for text in TEXTS]
        batched_before = batches_with_several_requests(client.get(f"{server}/metrics").text)
    with ThreadPoolExecutor(len(TEXTS)) as pool, httpx.Client(timeout=20) as client:
        together = list(pool.map(lambda text: classify(client, text), TEXTS))
        metrics = client.get(f"{server}/metrics").text
    assert together == alone
    assert batched_before == 0
    assert batches_with_several_requests(metrics) >= 1


def batches_with_several_requests(metrics: str) -> float:
    """Pooled model calls that held pairs from more than one request, from the batch-size histogram."""
    values = {}
    for line in metrics.splitlines():
        if line.startswith(("parley_batch_requests_count ", 'parley_batch_requests_bucket{le="1.0"} ')):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values["parley_batch_requests_count"] - values['parley_batch_requests_bucket{le="1.0"}']
