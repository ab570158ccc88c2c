"""The one place that defines Parley's labels and their order.

The model has one sigmoid output per label, in ``LABELS`` order. Everything that
needs a label name or an output index (training, inference, the API, the corpus
checker) imports it from here.
"""

BOILERPLATE = "boilerplate"
ACTS: tuple[str, ...] = ("proposal", "acceptance", "refusal", "condition")
LABELS: tuple[str, ...] = (BOILERPLATE, *ACTS)

LABEL2ID: dict[str, int] = {label: index for index, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))
