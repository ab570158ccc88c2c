"""Accuracy on the corpus test split and on realdev: the baselines and the model on each backend, one evaluation.

The baselines are fitted on the train split with their thresholds tuned on dev
(``bench/baselines.py``, reused as it is); the model uses the thresholds
it ships with (tuned on dev when it was trained), exactly as `parley evaluate`.
Every scorer is scored by ``training.evaluate.compute_metrics`` on the same
gold matrix.
"""

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.baselines import BASELINE_TITLES, evaluate_baseline, make_baselines
from model.labels import LABELS
from model.predictor import Predictor
from training.data import Document
from training.evaluate import EvaluationResult, apply_thresholds, compute_metrics, gold_matrix, score_documents


def result_row(result: EvaluationResult, seconds: float) -> dict:
    return {
        "segments": result.segments,
        "f1": {label: result.labels[label].f1 for label in LABELS},
        "macro_f1_acts": result.macro_f1_acts,
        "micro_f1_acts": result.micro_f1_acts,
        "boilerplate_f1": result.boilerplate_f1,
        "seconds": seconds,
    }


def baseline_rows(splits: dict[str, list[Document]], extra: dict[str, list[Document]]) -> dict[str, dict[str, dict]]:
    """Keyword rules and TF-IDF + logistic regression, through bench/baselines.py: rows by evaluation set
    ("test" and each of ``extra``), then by baseline. The seconds are the fit, tuning and scoring of all sets."""
    rows: dict[str, dict[str, dict]] = {"test": {}, **{name: {} for name in extra}}
    with tempfile.TemporaryDirectory(prefix="parley-bench-baselines-") as reports:
        for name, baseline in make_baselines().items():
            started = time.perf_counter()
            results = evaluate_baseline(name, baseline, splits, Path(reports), extra)
            for set_name, result in results.items():
                rows[set_name][BASELINE_TITLES[name]] = result_row(result, time.perf_counter() - started)
    return rows


def model_rows(
    predictors: dict[str, Predictor], documents: list[Document]
) -> tuple[dict[str, dict], dict[str, np.ndarray]]:
    """Each predictor's figures on ``documents`` with the model's thresholds, and its scores."""
    gold = gold_matrix(documents)
    rows, scores = {}, {}
    for name, predictor in predictors.items():
        started = time.perf_counter()
        scores[name] = score_documents(predictor, documents)
        seconds = time.perf_counter() - started
        predicted = apply_thresholds(scores[name], predictor.metadata.thresholds)
        rows[name] = result_row(compute_metrics(gold, predicted, scores[name]), seconds)
    return rows, scores
