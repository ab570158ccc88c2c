"""Evaluation of any scorer (the model or a baseline) against labelled documents.

Every scorer goes through the same steps: scores (n segments x 5 labels, in
``LABELS`` order), thresholds tuned on the dev split with :func:`tune_thresholds`,
0/1 predictions with the boilerplate rule (:func:`apply_thresholds`), then
:func:`compute_metrics` and :func:`write_report` on the test split.
"""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    multilabel_confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
)

from model.folder import METRICS_FILE
from model.labels import ACTS, BOILERPLATE, LABELS
from model.predictor import Predictor, decide_labels
from training.data import Document
from training.pages import corpus_pages

DEFAULT_GRID = np.arange(0.05, 0.96, 0.01)
_ACT_COLUMNS = [LABELS.index(act) for act in ACTS]
_BOILERPLATE_COLUMN = LABELS.index(BOILERPLATE)


@dataclass(frozen=True)
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    support: int
    average_precision: float | None  # None when the label has no positive segment


@dataclass(frozen=True)
class EvaluationResult:
    segments: int
    labels: dict[str, LabelMetrics]
    macro_f1_acts: float
    micro_f1_acts: float
    boilerplate_f1: float

    def to_dict(self) -> dict:
        return asdict(self)


def gold_matrix(documents: Sequence[Document]) -> np.ndarray:
    """0/1 gold labels, one row per segment (documents in order, segments in order)."""
    rows = [segment.label_vector() for document in documents for segment in document.segments]
    return np.array(rows, dtype=np.int8).reshape(len(rows), len(LABELS))


def score_documents(predictor: Predictor, documents: Sequence[Document], batch_size: int | None = None) -> np.ndarray:
    """The model's scores for every gold segment, rows aligned with :func:`gold_matrix`.

    Each document is read as a page, in the model's own windows; a segment with
    an explicit ``context`` is read after it (``training.pages``). ``batch_size``
    overrides the predictor's windows per forward pass.
    """
    if batch_size is not None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        predictor = Predictor(predictor.scorer, predictor.tokenizer, predictor.metadata, batch_size=batch_size)
    pages = corpus_pages(documents)
    scores = predictor.score_pages([page.segments for page in pages])
    rows = [page_scores[page.labelled] for page, page_scores in zip(pages, scores, strict=True)]
    return np.concatenate(rows) if rows else np.zeros((0, len(LABELS)), dtype=np.float32)


def apply_thresholds(scores: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """0/1 predictions; a segment that passes its boilerplate threshold gets no acts."""
    scores = _check_matrix("scores", scores)
    if set(thresholds) != set(LABELS):
        raise ValueError(f"thresholds must name exactly {list(LABELS)}, got {sorted(thresholds)}")
    return decide_labels(scores, np.array([thresholds[label] for label in LABELS]))


def tune_thresholds(gold: np.ndarray, scores: np.ndarray, grid: Sequence[float] = DEFAULT_GRID) -> dict[str, float]:
    """Per label, the grid threshold closest to 0.5 among those within one standard error of the best F1
    on these rows (:func:`_best_threshold`).

    Boilerplate is tuned first; each act is then tuned on the predictions the
    boilerplate rule leaves it, so that the thresholds are best for the labels
    that :func:`apply_thresholds` actually gives.
    """
    gold, scores = _check_pair(gold, scores)
    grid = np.round(np.asarray(grid, dtype=float), 6)  # np.arange gives 0.5000000000000002 for 0.5
    if grid.ndim != 1 or not len(grid) or grid.min() < 0.0 or grid.max() > 1.0:
        raise ValueError("grid must be a non-empty list of thresholds in [0, 1]")
    boilerplate = _best_threshold(gold[:, _BOILERPLATE_COLUMN], scores[:, _BOILERPLATE_COLUMN], grid)
    keeps_acts = scores[:, _BOILERPLATE_COLUMN] < boilerplate
    tuned = {BOILERPLATE: boilerplate}
    for act, column in zip(ACTS, _ACT_COLUMNS, strict=True):
        tuned[act] = _best_threshold(gold[:, column], np.where(keeps_acts, scores[:, column], -np.inf), grid)
    return {label: tuned[label] for label in LABELS}


def compute_metrics(gold: np.ndarray, predicted: np.ndarray, scores: np.ndarray) -> EvaluationResult:
    """Per-label precision, recall, F1, support and average precision; macro- and micro-F1 over the acts."""
    gold, predicted = _check_pair(gold, predicted)
    _, scores = _check_pair(gold, scores)
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, average=None, zero_division=0)
    labels = {
        label: LabelMetrics(
            precision=float(precision[column]),
            recall=float(recall[column]),
            f1=float(f1[column]),
            support=int(support[column]),
            average_precision=(
                float(average_precision_score(gold[:, column], scores[:, column])) if support[column] else None
            ),
        )
        for column, label in enumerate(LABELS)
    }
    micro = f1_score(gold[:, _ACT_COLUMNS], predicted[:, _ACT_COLUMNS], average="micro", zero_division=0)
    return EvaluationResult(
        segments=len(gold),
        labels=labels,
        macro_f1_acts=float(np.mean([labels[act].f1 for act in ACTS])),
        micro_f1_acts=float(micro),
        boilerplate_f1=labels[BOILERPLATE].f1,
    )


def write_report(
    result: EvaluationResult,
    out_dir: Path,
    title: str,
    gold: np.ndarray,
    scores: np.ndarray,
    predicted: np.ndarray,
    thresholds: dict[str, float] | None = None,
) -> None:
    """``metrics.json``, ``metrics.md``, ``confusion_matrices.png`` and ``precision_recall.png`` in ``out_dir``."""
    gold, predicted = _check_pair(gold, predicted)
    _, scores = _check_pair(gold, scores)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"title": title, **result.to_dict()}
    if thresholds is not None:
        record["thresholds"] = thresholds
    (out_dir / METRICS_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "metrics.md").write_text(metrics_markdown(result, title, thresholds), encoding="utf-8")
    _save(_confusion_figure(gold, predicted, title), out_dir / "confusion_matrices.png")
    _save(_precision_recall_figure(result, gold, scores, title, thresholds), out_dir / "precision_recall.png")


def metrics_markdown(result: EvaluationResult, title: str, thresholds: dict[str, float] | None = None) -> str:
    """A Markdown table of the per-label figures, then the summary figures."""
    header = "| label | precision | recall | F1 | support | average precision |"
    rule = "|---|---|---|---|---|---|"
    if thresholds is not None:
        header, rule = header + " threshold |", rule + "---|"
    rows = []
    for label, metrics in result.labels.items():
        ap = "n/a" if metrics.average_precision is None else f"{metrics.average_precision:.3f}"
        figures = f"{metrics.precision:.3f} | {metrics.recall:.3f} | {metrics.f1:.3f} | {metrics.support}"
        row = f"| {label} | {figures} | {ap} |"
        rows.append(row + (f" {thresholds[label]:.2f} |" if thresholds is not None else ""))
    return "\n".join(
        [
            f"# {title}",
            "",
            f"{result.segments} segments.",
            "",
            header,
            rule,
            *rows,
            "",
            f"- Macro-F1 over the acts: **{result.macro_f1_acts:.3f}**",
            f"- Boilerplate F1: **{result.boilerplate_f1:.3f}**",
            f"- Micro-F1 over the acts: {result.micro_f1_acts:.3f}",
            "",
        ]
    )


def _best_threshold(gold_column: np.ndarray, score_column: np.ndarray, grid: np.ndarray) -> float:
    """The grid threshold closest to 0.5 whose F1 is within one standard error of the best F1.

    The standard error is the best F1's as a proportion over the label's positives. Dev is
    written by the corpus's own hands and easy, so F1 is nearly flat over a wide band of
    thresholds; picking its exact maximum chases differences of one or two segments and moves
    thresholds away from 0.5, where the model's scores are calibrated by its training loss. On the
    real-like pages of ../shared/realdev those moved thresholds cost recall (models 3.1.0 and
    3.2.0: bench/results/page_vs_pair.md).
    """
    predicted = score_column[:, np.newaxis] >= grid[np.newaxis, :]
    positive = gold_column.astype(bool)[:, np.newaxis]
    true_positives = (predicted & positive).sum(axis=0)
    errors = (predicted != positive).sum(axis=0)
    denominator = 2 * true_positives + errors
    f1 = np.divide(2 * true_positives, denominator, out=np.zeros(len(grid)), where=denominator > 0)
    best, positives = f1.max(), int(positive.sum())
    standard_error = float(np.sqrt(best * (1 - best) / positives)) if positives else 0.0
    near = np.flatnonzero((f1 >= best - standard_error) | np.isclose(f1, best))
    return float(grid[near[np.argmin(np.abs(grid[near] - 0.5))]])


def _check_matrix(name: str, array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[1] != len(LABELS):
        raise ValueError(f"{name} must have one row per segment and {len(LABELS)} columns, got shape {array.shape}")
    if not len(array):
        raise ValueError(f"{name} has no row: nothing to evaluate")
    return array


def _check_pair(gold: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gold, other = _check_matrix("gold", gold).astype(np.int8), _check_matrix("scores/predictions", other)
    if len(gold) != len(other):
        raise ValueError(f"gold has {len(gold)} rows but scores/predictions have {len(other)}")
    return gold, other


def _confusion_figure(gold: np.ndarray, predicted: np.ndarray, title: str) -> Figure:
    matrices = multilabel_confusion_matrix(gold, predicted)
    figure = Figure(figsize=(3.2 * len(LABELS), 3.6), layout="constrained")
    figure.suptitle(f"{title}: confusion matrices")
    for axes, label, matrix in zip(figure.subplots(1, len(LABELS)), LABELS, matrices, strict=True):
        axes.imshow(matrix, cmap="Blues", vmin=0)
        for (row, column), count in np.ndenumerate(matrix):
            colour = "white" if count > matrix.max() / 2 else "black"
            axes.text(column, row, str(count), ha="center", va="center", color=colour)
        axes.set(title=label, xticks=[0, 1], yticks=[0, 1], xlabel="predicted", ylabel="gold")
        axes.set_xticklabels(["no", "yes"])
        axes.set_yticklabels(["no", "yes"])
    return figure


def _precision_recall_figure(
    result: EvaluationResult, gold: np.ndarray, scores: np.ndarray, title: str, thresholds: dict[str, float] | None
) -> Figure:
    """One PR curve per label; the marked point is the reported operating point (boilerplate rule applied)."""
    figure = Figure(figsize=(3.2 * len(LABELS), 3.6), layout="constrained")
    figure.suptitle(f"{title}: precision-recall")
    for column, (axes, label) in enumerate(zip(figure.subplots(1, len(LABELS)), LABELS, strict=True)):
        metrics = result.labels[label]
        axes.set(title=label, xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.02))
        if not metrics.support:
            axes.text(0.5, 0.5, "no positive segment", ha="center", va="center")
            continue
        precision, recall, _ = precision_recall_curve(gold[:, column], scores[:, column])
        axes.plot(recall, precision, drawstyle="steps-post", label=f"AP {metrics.average_precision:.3f}")
        if thresholds is not None:
            axes.plot(
                metrics.recall, metrics.precision, "o", color="crimson", label=f"threshold {thresholds[label]:.2f}"
            )
        axes.legend(loc="lower left")
    return figure


def _save(figure: Figure, path: Path) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=100)
