"""`parley feedback stats`: how many corrections there are, by label, by model and by day (UTC)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from feedback.tables import Correction
from model.labels import BOILERPLATE, LABELS

NEUTRAL = "neutral"  # article content with no act


@dataclass
class FeedbackStats:
    corrections: int = 0
    sentences: set[str] = field(default_factory=set)
    by_label: Counter = field(default_factory=Counter)
    by_model: Counter = field(default_factory=Counter)
    by_day: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "corrections": self.corrections,
            "sentences": len(self.sentences),
            "by_label": {label: self.by_label[label] for label in (*LABELS, NEUTRAL)},
            "by_model": dict(sorted(self.by_model.items())),
            "by_day": dict(sorted(self.by_day.items())),
        }


def feedback_stats(corrections: Iterable[Correction]) -> FeedbackStats:
    """Counts over every correction (a sentence corrected twice counts twice; ``sentences`` counts it once)."""
    stats = FeedbackStats()
    for correction in corrections:
        stats.corrections += 1
        stats.sentences.add(correction.text_hash)
        labels = [BOILERPLATE] if correction.boilerplate else correction.acts or [NEUTRAL]
        stats.by_label.update(labels)
        stats.by_model[f"{correction.model_name} {correction.model_version}"] += 1
        stats.by_day[correction.created_utc.date().isoformat()] += 1
    return stats
