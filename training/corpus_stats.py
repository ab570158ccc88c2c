"""Corpus statistics and quality checks: counts, co-occurrence, duplicates, the shape of the content (neutral
share, sentence length, conditions on acts), boilerplate kinds, hard-case families, the most frequent names
and their acts, and the targets corpus v2 is written to (``CORPUS_TARGETS``, asserted on data/ by
tests/test_corpus.py)."""

import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from model.labels import ACTS, LABELS
from training.boilerplate_kinds import UNRECOGNISED, boilerplate_kind
from training.data import FAMILIES, Document

_NUMBER = re.compile(r"\d+(?:[.,:h/]\d+)*")
_WORD = re.compile(r"\w+")
# A name: capitalised words (or acronyms), joined by the particles of names ("de Gaulle", "von der Leyen").
_NAME = re.compile(
    r"(?<![\w'’])(?:[A-ZÀ-ÖØ-Þ][\w’'-]*[\w])(?:\s+(?:(?:de|du|des|von|van|der|den|di|da|del|la|le|al|bin|ben)\s+)*"
    r"[A-ZÀ-ÖØ-Þ][\w’'-]*[\w])*"
)
# Capitalised words that are not names: sentence openers, articles, pronouns, months and days in the five
# corpus languages (a name is counted only where it does not open a segment or sentence, or when it is
# longer than one word).
_NOT_NAMES = frozenset(
    """le la les un une des ce cette ces il elle ils elles on nous vous je selon mais pour dans en au aux
    après avant depuis lors si quant dès pas plus the a an in on it he she we they but this that these for
    after before since if as at by der die das ein eine im am er sie wir es nach vor seit wenn auch el los
    las una por para tras desde según lo gli i nel nella dopo prima secondo se ma per con
    lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday
    sunday january february march april may june july august september october november december
    premier première ministre président présidente commission conseil ligue états affaires fédération
    commerce défense culture parlement parti gouvernement assemblée sénat comité syndicat union
    gobierno comune ministerio ministero governo regierung bundesregierung minister ministerin
    montag dienstag mittwoch donnerstag freitag samstag sonntag angebot vorschlag gespräche
    millionen milliarden euro euros prozent dollar dollars""".split()
)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


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
    content_characters: int = 0
    content_duplicates: int = 0
    boilerplate_kinds: Counter = field(default_factory=Counter)
    families: Counter = field(default_factory=Counter)
    # name -> Counter of "proposal"… and "neutral" over the content segments that mention it
    names: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def neutral_share(self) -> float:
        return _ratio(self.neutral_content, self.content_segments)

    @property
    def mean_content_characters(self) -> float:
        return _ratio(self.content_characters, self.content_segments)

    @property
    def non_french_share(self) -> float:
        return 1 - _ratio(self.languages["fr"], self.documents) if self.documents else 0.0

    def condition_share(self, act: str) -> float:
        """The share of the segments with ``act`` that also carry a condition."""
        return _ratio(self.co_occurrence[act, "condition"], self.labels[act])

    def kinds_of_boilerplate(self, minimum: int = 5) -> list[str]:
        """The recognised kinds of boilerplate with at least ``minimum`` segments."""
        return [kind for kind, count in self.boilerplate_kinds.items() if count >= minimum and kind != UNRECOGNISED]

    def top_names(self, count: int = 30) -> list[tuple[str, Counter]]:
        ranked = sorted(self.names.items(), key=lambda item: (-item[1].total(), item[0]))
        return ranked[:count]

    @property
    def duplicate_rate(self) -> float:
        return _ratio(self.exact_duplicates, self.segments)

    @property
    def near_duplicate_rate(self) -> float:
        return _ratio(self.near_duplicates, self.segments)

    @property
    def near_duplicate_rate_content(self) -> float:
        return _ratio(self.near_duplicates_content, self.content_segments)


def compute_stats(documents_by_split: dict[str, Iterable[Document]]) -> CorpusStats:
    """Counts over every document, with the split each came from."""
    stats = CorpusStats()
    texts: Counter = Counter()
    keys: dict[str, set[str]] = defaultdict(set)
    boilerplate_of: dict[str, bool] = {}
    content_texts: Counter = Counter()
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
                if segment.family is not None:
                    stats.families[segment.family] += 1
                if segment.boilerplate:
                    stats.boilerplate_kinds[boilerplate_kind(segment.text)] += 1
                else:
                    stats.content_segments += 1
                    stats.neutral_content += not labels
                    stats.content_characters += len(segment.text)
                    content_texts[segment.text] += 1
                    for name in names_in(segment.text):
                        stats.names[name].update(labels or ["neutral"])
                for first in labels:
                    for second in labels:
                        stats.co_occurrence[first, second] += 1
                texts[segment.text] += 1
                keys[near_duplicate_key(segment.text)].add(segment.text)
                boilerplate_of[segment.text] = segment.boilerplate
    stats.exact_duplicates = sum(count - 1 for count in texts.values() if count > 1)
    stats.content_duplicates = sum(count - 1 for count in content_texts.values() if count > 1)
    for variants in keys.values():
        if len(variants) > 1:
            stats.near_duplicates += len(variants)
            stats.near_duplicates_content += sum(not boilerplate_of[text] for text in variants)
    return stats


def names_in(text: str) -> set[str]:
    """The names a segment mentions (see ``_NAME``): capitalised words that do not open a sentence, acronyms,
    and runs of several capitalised words."""
    found = set()
    for match in _NAME.finditer(text):
        name = match.group().strip("'’-")
        before = text[: match.start()].rstrip(" «“\"'(")
        opens_sentence = not before or before[-1] in ".!?:—–-"
        single = " " not in name
        if single and (name.lower() in _NOT_NAMES or (opens_sentence and not name.isupper())):
            continue
        while " " in name and name.split()[0].lower() in _NOT_NAMES:
            name = name.split(" ", 1)[1]
        if name.lower() in _NOT_NAMES or name.split()[-1].lower() in _NOT_NAMES:
            continue
        if len(name) > 1:
            found.add(name)
    return found


@dataclass(frozen=True)
class CorpusTarget:
    name: str
    measure: Callable[[CorpusStats], float]
    compare: Callable[[float, float], bool]
    bound: float
    wanted: str

    def met(self, stats: CorpusStats) -> bool:
        return self.compare(self.measure(stats), self.bound)


def _at_least(name: str, measure: Callable[[CorpusStats], float], bound: float) -> CorpusTarget:
    return CorpusTarget(name, measure, operator.ge, bound, f">= {bound:g}")


# What corpus v2 is written to (issue "Real pages I"): the whole of data/ meets each of these.
CORPUS_TARGETS: tuple[CorpusTarget, ...] = (
    _at_least("documents", lambda s: s.documents, 1400),
    _at_least("segments", lambda s: s.segments, 17000),
    *(_at_least(f"{act} segments", lambda s, act=act: s.labels[act], 1500) for act in ACTS),
    _at_least("boilerplate segments", lambda s: s.labels["boilerplate"], 3000),
    _at_least("kinds of boilerplate (>= 5 segments each)", lambda s: len(s.kinds_of_boilerplate()), 25),
    _at_least("share of documents not in French", lambda s: s.non_french_share, 0.20),
    CorpusTarget("duplicate content segments", lambda s: s.content_duplicates, operator.eq, 0, "= 0"),
    _at_least("neutral share of content segments", lambda s: s.neutral_share, 0.40),
    _at_least("mean content segment (characters)", lambda s: s.mean_content_characters, 130),
    CorpusTarget(
        "share of acceptances with a condition", lambda s: s.condition_share("acceptance"), operator.le, 0.25, "<= 0.25"
    ),
    CorpusTarget(
        "share of proposals with a condition", lambda s: s.condition_share("proposal"), operator.le, 0.17, "<= 0.17"
    ),
    *(_at_least(f"family {family}", lambda s, family=family: s.families[family], 150) for family in FAMILIES),
)


def format_targets(stats: CorpusStats) -> str:
    """Each corpus target with its measured value and whether it is met."""
    lines = ["corpus v2 targets:"]
    for target in CORPUS_TARGETS:
        value = target.measure(stats)
        shown = f"{value:.3f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
        lines.append(f"  {target.name:<44} {shown:>9}  {target.wanted:<9} {'met' if target.met(stats) else 'MISSED'}")
    return "\n".join(lines)


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
        "",
        f"content segments: {stats.content_segments}, neutral {stats.neutral_share:.1%}, "
        f"mean {stats.mean_content_characters:.1f} characters",
        f"acceptances with a condition: {stats.condition_share('acceptance'):.1%}; "
        f"proposals with a condition: {stats.condition_share('proposal'):.1%}",
        "",
        f"boilerplate kinds (estimated from the wording; {len(stats.kinds_of_boilerplate())} with >= 5 segments):",
        *(f"  {kind:<44} {count:>6}" for kind, count in stats.boilerplate_kinds.most_common()),
        "",
        "hard-case families (segments tagged `family`):",
        *(f"  {family:<44} {stats.families[family]:>6}" for family in FAMILIES),
        "",
        "the 30 most frequent names in content segments, with the acts of those segments:",
        "  " + f"{'name':<28}{'segments':>9}" + "".join(f"{label[:9]:>11}" for label in (*ACTS, "neutral")),
        *(
            f"  {name[:27]:<28}{acts.total():>9}" + "".join(f"{acts[label]:>11}" for label in (*ACTS, "neutral"))
            for name, acts in stats.top_names()
        ),
        "",
        format_targets(stats),
    ]
    return "\n".join(lines)


def _inline(counter: Counter) -> str:
    return ", ".join(f"{key} {count}" for key, count in counter.most_common())
