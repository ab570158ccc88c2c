"""Corpus statistics and quality checks: counts, co-occurrence, duplicates."""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from model.labels import ACTS, LABELS
from training.data import Document

_NUMBER = re.compile(r"\d+(?:[.,:h/]\d+)*")
_WORD = re.compile(r"\w+")


def segment_labels(segment) -> list[str]:
    return ["boilerplate"] if segment.boilerplate else list(segment.acts)


def near_duplicate_key(text: str) -> str:
    """The text with numbers and capitalised words (names) blanked and case folded:
    two segments with the same key are the same sentence but for names and numbers."""
    text = _NUMBER.sub("0", text)
    words = [
        ("N" if word[0].isupper() and index > 0 else word.lower()) for index, word in enumerate(_WORD.findall(text))
    ]
    return " ".join(words)


@dataclass
class CorpusStats:
    documents: int = 0
    segments: int = 0
    labels: Counter = field(default_factory=Counter)
    neutral_content: int = 0
    languages: Counter = field(default_factory=Counter)
    domains: Counter = field(default_factory=Counter)
    splits: Counter = field(default_factory=Counter)
    split_labels: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    co_occurrence: Counter = field(default_factory=Counter)
    exact_duplicates: int = 0
    near_duplicates: int = 0
    near_duplicates_content: int = 0
    content_segments: int = 0

    @property
    def duplicate_rate(self) -> float:
        return self.exact_duplicates / self.segments if self.segments else 0.0

    @property
    def near_duplicate_rate(self) -> float:
        return self.near_duplicates / self.segments if self.segments else 0.0

    @property
    def near_duplicate_rate_content(self) -> float:
        return self.near_duplicates_content / self.content_segments if self.content_segments else 0.0


def compute_stats(documents_by_split: dict[str, Iterable[Document]]) -> CorpusStats:
    """Counts over every document, with the split each came from."""
    stats = CorpusStats()
    texts: Counter = Counter()
    keys: dict[str, set[str]] = defaultdict(set)
    boilerplate_of: dict[str, bool] = {}
    for split, documents in documents_by_split.items():
        for document in documents:
            stats.documents += 1
            stats.splits[split] += 1
            stats.languages[document.lang] += 1
            stats.domains[document.domain or "(none)"] += 1
            for segment in document.segments:
                labels = segment_labels(segment)
                stats.segments += 1
                stats.labels.update(labels)
                stats.split_labels[split].update(labels)
                if not segment.boilerplate:
                    stats.content_segments += 1
                    stats.neutral_content += not labels
                for first in labels:
                    for second in labels:
                        stats.co_occurrence[first, second] += 1
                texts[segment.text] += 1
                keys[near_duplicate_key(segment.text)].add(segment.text)
                boilerplate_of[segment.text] = segment.boilerplate
    stats.exact_duplicates = sum(count - 1 for count in texts.values() if count > 1)
    for variants in keys.values():
        if len(variants) > 1:
            stats.near_duplicates += len(variants)
            stats.near_duplicates_content += sum(not boilerplate_of[text] for text in variants)
    return stats


def format_stats(stats: CorpusStats) -> str:
    """A plain-text report of the statistics."""
    lines = [f"documents: {stats.documents}   segments: {stats.segments}", "", "segments per label:"]
    for label in LABELS:
        lines.append(f"  {label:<12} {stats.labels[label]:>6}")
    lines.append(f"  {'(neutral content)':<12} {stats.neutral_content:>6}")
    lines += ["", "segments per label and split:", "  " + f"{'':<12}" + "".join(f"{s:>8}" for s in stats.split_labels)]
    for label in LABELS:
        lines.append(f"  {label:<12}" + "".join(f"{counts[label]:>8}" for counts in stats.split_labels.values()))
    lines += [
        "",
        "documents per split: " + _inline(stats.splits),
        "documents per language: " + _inline(stats.languages),
    ]
    lines += ["documents per domain (" + str(len(stats.domains)) + "): " + _inline(stats.domains)]
    lines += [
        "",
        "label co-occurrence (segments with both):",
        "  " + f"{'':<12}" + "".join(f"{a[:8]:>10}" for a in ACTS),
    ]
    for first in ACTS:
        lines.append(f"  {first:<12}" + "".join(f"{stats.co_occurrence[first, second]:>10}" for second in ACTS))
    lines += [
        "",
        f"exact duplicate segments: {stats.exact_duplicates} ({stats.duplicate_rate:.2%})",
        f"near-duplicate segments (same but for names and numbers): {stats.near_duplicates} "
        f"({stats.near_duplicate_rate:.2%} of all; {stats.near_duplicate_rate_content:.2%} of content segments)",
    ]
    return "\n".join(lines)


def _inline(counter: Counter) -> str:
    return ", ".join(f"{key} {count}" for key, count in counter.most_common())
