"""End-to-end checks of the shipped default model (models/default), on the torch backend.

Marked e2e: they load the real 73 MB model and score the whole test split (about a minute on 2 cores).
"""

import json
from pathlib import Path

import pytest

from model.predictor import Predictor
from training.data import read_documents
from training.evaluate import apply_thresholds, compute_metrics, gold_matrix, score_documents

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "default"

pytestmark = pytest.mark.e2e

PAGE = """Accueil | Monde | Économie | Sport
Grève à la SNCF : la direction propose une prime de 300 euros aux contrôleurs.
Le syndicat SUD-Rail a rejeté cette offre jeudi, la jugeant insuffisante.
La CGT a accepté de reprendre les négociations lundi.
Elle lèvera son préavis à condition que la prime soit versée dès janvier.
Partager sur Facebook
Abonnez-vous à notre newsletter"""


@pytest.fixture(scope="module")
def default_predictor() -> Predictor:
    return Predictor.from_pretrained(DEFAULT_MODEL, device="cpu", backend="torch")


def test_default_model_labels_a_french_page(default_predictor: Predictor) -> None:
    sentences = default_predictor.predict_document(PAGE, language="fr")

    assert [sentence.boilerplate for sentence in sentences] == [True, False, False, False, False, True, True]
    assert "proposal" in sentences[1].acts
    assert "refusal" in sentences[2].acts
    assert "acceptance" in sentences[3].acts
    assert "condition" in sentences[4].acts


def test_default_model_reproduces_its_published_test_metrics(default_predictor: Predictor) -> None:
    published = json.loads((DEFAULT_MODEL / "metrics.json").read_text(encoding="utf-8"))
    documents = read_documents([ROOT / "data" / "test.jsonl"])

    scores = score_documents(default_predictor, documents)
    result = compute_metrics(
        gold_matrix(documents), apply_thresholds(scores, default_predictor.metadata.thresholds), scores
    )

    assert result.segments == published["segments"]
    # Thread counts may move a borderline score across its threshold; the figures must still agree closely.
    assert result.macro_f1_acts == pytest.approx(published["macro_f1_acts"], abs=0.005)
    assert result.boilerplate_f1 == pytest.approx(published["boilerplate_f1"], abs=0.005)
    assert published["macro_f1_acts"] >= 0.85
