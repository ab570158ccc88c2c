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


def check_acts(acts) -> tuple[str, ...]:
    """``acts`` in ``ACTS`` order; ValueError for an unknown act or one listed twice."""
    unknown = [act for act in acts if act not in ACTS]
    if unknown:
        raise ValueError(f"unknown act {unknown[0]!r}; acts are {', '.join(ACTS)}")
    if len(set(acts)) != len(acts):
        raise ValueError("an act is listed twice")
    return tuple(act for act in ACTS if act in acts)
