import json

import numpy as np
import pytest

from model.labels import LABELS
from model.predictor import Predictor
from training.data import Document, LabelledSegment
from training.evaluate import (
    apply_thresholds,
    compute_metrics,
    gold_matrix,
    score_documents,
    tune_thresholds,
    write_report,
)
from training.pages import LabelledPage, corpus_pages, document_pages

HALF = dict.fromkeys(LABELS, 0.5)


def segment(text, boilerplate=False, acts=(), context=None):
    return LabelledSegment(text=text, boilerplate=boilerplate, acts=acts, context=context)


DOCUMENTS = [
    Document(
        doc_id="a",
        segments=(
            segment("Publicité", boilerplate=True),
            segment(
                "La direction propose une prime, à condition que le préavis soit levé.", acts=("proposal", "condition")
            ),
        ),
    ),
    Document(doc_id="b", segments=(segment("Le syndicat refuse.", acts=("refusal",)),)),
]

# Rows: boilerplate, proposal + condition, acceptance + proposal, refusal.
GOLD = np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 1], [0, 1, 1, 0, 0], [0, 0, 0, 1, 0]])
PREDICTED = np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [1, 1, 0, 1, 0]])
SCORES = np.array(
    [
        [0.9, 0.1, 0.1, 0.1, 0.1],
        [0.2, 0.9, 0.1, 0.1, 0.3],
        [0.2, 0.4, 0.8, 0.1, 0.1],
        [0.7, 0.6, 0.1, 0.9, 0.1],
    ]
)


def test_gold_matrix_has_a_row_per_segment_in_order():
    assert gold_matrix(DOCUMENTS).tolist() == [[1, 0, 0, 0, 0], [0, 1, 0, 0, 1], [0, 0, 0, 1, 0]]


def test_tuning_finds_the_separating_threshold():
    gold = np.zeros((4, len(LABELS)), dtype=int)
    gold[2:, 1] = 1
    scores = np.zeros((4, len(LABELS)))
    scores[:, 1] = [0.1, 0.2, 0.25, 0.3]
    thresholds = tune_thresholds(gold, scores)
    assert thresholds["proposal"] == 0.25  # F1 = 1 from 0.21 to 0.25: the closest to 0.5
    assert (apply_thresholds(scores, thresholds)[:, 1] == gold[:, 1]).all()


def proposal_rows(positives: list[float], negatives: list[float]) -> tuple[np.ndarray, np.ndarray]:
    gold = np.zeros((len(positives) + len(negatives), len(LABELS)), dtype=int)
    gold[: len(positives), 1] = 1
    scores = np.zeros(gold.shape)
    scores[:, 1] = positives + negatives
    return gold, scores


def test_thresholds_stay_at_half_unless_dev_f1_is_better_by_more_than_its_standard_error():
    # 30 positives (one at 0.3), one negative at 0.6: above 0.6, F1 is 0.983; at 0.5, 0.967. The difference is
    # one negative segment, within one standard error of the best F1 (0.024): 0.5 is kept.
    gold, scores = proposal_rows([0.8] * 29 + [0.3], [0.6] + [0.1] * 69)
    assert tune_thresholds(gold, scores)["proposal"] == 0.5
    # A hundred negatives at 0.6 and ten positives at 0.45: above 0.6, F1 0.952; at 0.5, 0.645. The threshold moves.
    gold, scores = proposal_rows([0.8] * 100 + [0.45] * 10, [0.6] * 100)
    assert tune_thresholds(gold, scores)["proposal"] == 0.61


def test_a_label_without_positives_keeps_the_threshold_closest_to_half():
    assert tune_thresholds(np.zeros((3, len(LABELS))), np.random.default_rng(0).random((3, len(LABELS)))) == HALF


def test_acts_are_tuned_on_what_the_boilerplate_rule_leaves():
    # Three boilerplate rows score 0.3 for proposal; alone, they would push the threshold above the 0.2 positive.
    gold = np.array([[1, 0, 0, 0, 0]] * 3 + [[0, 1, 0, 0, 0]] * 2)
    scores = np.array([[0.9, 0.3, 0, 0, 0]] * 3 + [[0.1, 0.2, 0, 0, 0], [0.1, 0.9, 0, 0, 0]])
    thresholds = tune_thresholds(gold, scores)
    assert thresholds["boilerplate"] == 0.5
    assert thresholds["proposal"] == 0.2
    assert (apply_thresholds(scores, thresholds) == gold).all()


def test_boilerplate_segments_get_no_acts():
    scores = np.array([[0.9, 0.9, 0.9, 0.9, 0.9], [0.1, 0.9, 0.1, 0.9, 0.1]])
    assert apply_thresholds(scores, HALF).tolist() == [[1, 0, 0, 0, 0], [0, 1, 0, 1, 0]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: apply_thresholds(SCORES, {"proposal": 0.5}), "thresholds must name exactly"),
        (lambda: apply_thresholds(SCORES[:, :3], HALF), "5 columns"),
        (lambda: tune_thresholds(GOLD, SCORES[:2]), "gold has 4 rows"),
        (lambda: tune_thresholds(GOLD[:0], SCORES[:0]), "no row"),
        (lambda: tune_thresholds(GOLD, SCORES, grid=[]), "grid"),
    ],
)
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_metrics_match_hand_computed_values():
    result = compute_metrics(GOLD, PREDICTED, SCORES)
    figures = {label: (m.precision, m.recall, m.f1, m.support) for label, m in result.labels.items()}
    assert figures["boilerplate"] == pytest.approx((0.5, 1.0, 2 / 3, 1))
    assert figures["proposal"] == pytest.approx((0.5, 0.5, 0.5, 2))
    assert figures["acceptance"] == pytest.approx((1.0, 1.0, 1.0, 1))
    assert figures["refusal"] == pytest.approx((1.0, 1.0, 1.0, 1))
    assert figures["condition"] == pytest.approx((0.0, 0.0, 0.0, 1))
    assert result.macro_f1_acts == pytest.approx((0.5 + 1 + 1 + 0) / 4)
    assert result.micro_f1_acts == pytest.approx(2 * 3 / (2 * 3 + 1 + 2))  # 3 true positives, 1 false, 2 missed
    assert result.boilerplate_f1 == pytest.approx(2 / 3)
    # Proposal ranking: positive, negative, positive, negative.
    assert result.labels["proposal"].average_precision == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert result.to_dict()["labels"]["refusal"]["support"] == 1


def test_a_label_without_positives_has_no_average_precision():
    gold = GOLD.copy()
    gold[:, 4] = 0
    assert compute_metrics(gold, PREDICTED, SCORES).labels["condition"].average_precision is None


def test_report_files_are_written(tmp_path):
    result = compute_metrics(GOLD, PREDICTED, SCORES)
    write_report(result, tmp_path / "report", "Toy", GOLD, SCORES, PREDICTED, thresholds=HALF)
    written = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert written["title"] == "Toy"
    assert written["macro_f1_acts"] == pytest.approx(0.625)
    assert written["thresholds"] == HALF
    markdown = (tmp_path / "report" / "metrics.md").read_text()
    assert "| label | precision | recall | F1 | support |" in markdown
    assert "| proposal | 0.500 | 0.500 | 0.500 | 2 |" in markdown
    assert "Macro-F1 over the acts: **0.625**" in markdown
    for image in ("confusion_matrices.png", "precision_recall.png"):
        assert (tmp_path / "report" / image).read_bytes().startswith(b"\x89PNG")


def test_a_segment_with_its_own_context_is_a_page_of_its_own():
    document = Document(
        doc_id="c",
        segments=(segment("Un."), segment("Deux.", context="contexte donné"), segment("Trois."), segment("Quatre.")),
    )
    assert document_pages(document) == [
        LabelledPage(["Un."], [0]),
        LabelledPage(["contexte donné", "Deux."], [1]),
        LabelledPage(["Trois.", "Quatre."], [0, 1]),
    ]
    assert corpus_pages([document, document]) == document_pages(document) * 2


def test_model_scores_follow_the_gold_rows(tiny_model_dir):
    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu")
    documents = [*DOCUMENTS, Document(doc_id="c", segments=(segment("Moscou a rejeté l'offre.", context="Monde"),))]
    scores = score_documents(predictor, documents)
    assert scores.shape == gold_matrix(documents).shape
    (expected,) = predictor.score_pages([[s.text for s in DOCUMENTS[0].segments]])
    np.testing.assert_allclose(scores[:2], expected, atol=1e-6)
    (with_context,) = predictor.score_pages([["Monde", "Moscou a rejeté l'offre."]])
    np.testing.assert_allclose(scores[3], with_context[1], atol=1e-6)
    np.testing.assert_allclose(score_documents(predictor, documents, batch_size=1), scores, atol=1e-5)
