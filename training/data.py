"""Labelled data: reading, validating, and the corpus format.

Three input formats (docs/design.md), all read into :class:`Document` objects:

- JSONL, one document per line: ``{"doc_id", "lang", "segments": [{"text",
  "boilerplate", "acts"}]}`` (optional ``domain``, and an optional ``family`` on
  a segment: the hard case it was written for, one of ``FAMILIES``);
- JSONL, one segment per line: ``{"text", "boilerplate", "acts"}`` with optional
  ``doc_id`` (consecutive lines with the same id form one document; a segment
  without one is a document of its own), ``lang`` and ``context``;
- CSV with those segment columns, acts separated by ``|``.

Every problem is reported with its file, line and field, and nothing is
returned from a file that has one: training never starts on half-valid data.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator, model_validator

from model.labels import LABELS, check_acts

ACT_SEPARATOR = "|"

# The hard-case families of corpus v2 (data/README.md): the writers tag the segments written for one, so that
# `parley data stats` counts them. The segments of BOILERPLATE_FAMILIES are page chrome by definition, the others
# article content.
FAMILIES = (
    "negated-refusal",
    "readiness",
    "intention-to-meet",
    "bare-noun-offer",
    "hypothetical-vs-condition",
    "denial-vs-refusal",
    "background-consequence",
    "multi-sentence-quote",
    "own-headline-subheads",
    "teaser-acts",
    "credits-moderation",
)
BOILERPLATE_FAMILIES = frozenset({"teaser-acts", "credits-moderation"})


class LabelledSegment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    boilerplate: StrictBool
    acts: tuple[str, ...] = ()
    context: str | None = Field(None, description="Text the segment is read after, instead of the page around it.")
    family: str | None = Field(None, description="The hard-case family this segment was written for.")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text is empty")
        return text

    @field_validator("acts")
    @classmethod
    def _known_acts(cls, acts: tuple[str, ...]) -> tuple[str, ...]:
        return check_acts(acts)

    @field_validator("family")
    @classmethod
    def _known_family(cls, family: str | None) -> str | None:
        if family is not None and family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}; families are {', '.join(FAMILIES)}")
        return family

    @model_validator(mode="after")
    def _boilerplate_has_no_acts(self) -> "LabelledSegment":
        if self.boilerplate and self.acts:
            raise ValueError("a boilerplate segment has no acts (docs/labels.md)")
        if self.family is not None and (self.family in BOILERPLATE_FAMILIES) != self.boilerplate:
            kind = "boilerplate" if self.family in BOILERPLATE_FAMILIES else "article content"
            raise ValueError(f"family {self.family!r} is {kind}, so boilerplate must be {not self.boilerplate}")
        return self

    def label_vector(self) -> list[float]:
        """One 0/1 value per label, in ``LABELS`` order."""
        on = {"boilerplate"} if self.boilerplate else set(self.acts)
        return [1.0 if label in on else 0.0 for label in LABELS]


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str = Field(min_length=1)
    lang: str = Field("fr", min_length=2)
    domain: str | None = None
    segments: tuple[LabelledSegment, ...] = Field(min_length=1)


class SegmentRecord(LabelledSegment):
    """One line of the segment-per-line formats."""

    doc_id: str | None = None
    lang: str = Field("fr", min_length=2)


@dataclass(frozen=True)
class DataProblem:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DataError(ValueError):
    """Labelled data that does not validate; ``problems`` lists every one found."""

    def __init__(self, problems: list[DataProblem]) -> None:
        self.problems = problems
        shown = "\n".join(str(problem) for problem in problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the labelled data:\n{shown}{more}")


@dataclass(frozen=True)
class LoadedDocument:
    """A document and where it came from."""

    document: Document
    path: Path
    line: int


def read_documents(paths: Iterable[Path | str]) -> list[Document]:
    """Documents from every file, in order; raises DataError listing every problem."""
    loaded, problems = read_with_problems(paths)
    problems += duplicate_id_problems(loaded)
    if problems:
        raise DataError(problems)
    return [item.document for item in loaded]


def read_with_problems(paths: Iterable[Path | str]) -> tuple[list[LoadedDocument], list[DataProblem]]:
    """Everything that reads cleanly, and the problems of what does not."""
    loaded: list[LoadedDocument] = []
    problems: list[DataProblem] = []
    for path in map(Path, paths):
        file_documents, file_problems = _read_file(path)
        problems += file_problems
        if not file_problems:
            loaded += file_documents
    return loaded, problems


def duplicate_id_problems(loaded: list[LoadedDocument]) -> list[DataProblem]:
    first_seen: dict[str, LoadedDocument] = {}
    problems = []
    for item in loaded:
        doc_id = item.document.doc_id
        if doc_id in first_seen:
            earlier = first_seen[doc_id]
            problems.append(
                DataProblem(item.path, item.line, "doc_id", f"{doc_id!r} already used at {earlier.path}:{earlier.line}")
            )
        else:
            first_seen[doc_id] = item
    return problems


def write_documents(documents: Iterable[Document], path: Path) -> None:
    """Write documents as JSONL, one per line, UTF-8 unescaped; unset fields left out."""
    with path.open("w", encoding="utf-8") as handle:
        for document in documents:
            handle.write(json.dumps(document.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")


def _read_file(path: Path) -> tuple[list[LoadedDocument], list[DataProblem]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return [], [DataProblem(path, 0, "", f"cannot read the file ({error.strerror})")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [], [DataProblem(path, 0, "", f"not UTF-8 (byte {error.start}: {error.reason})")]
    if path.suffix.lower() == ".csv":
        rows = list(_csv_rows(text))
        return _segments_to_documents(path, rows)
    return _read_jsonl(path, text)


def _read_jsonl(path: Path, text: str) -> tuple[list[LoadedDocument], list[DataProblem]]:
    objects, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(DataProblem(path, number, "", f"not valid JSON ({error.msg}, column {error.colno})"))
            continue
        if not isinstance(value, dict):
            problems.append(DataProblem(path, number, "", f"expected a JSON object, got {type(value).__name__}"))
            continue
        objects.append((number, value))
    if not objects and not problems:
        problems.append(DataProblem(path, 0, "", "the file holds no record"))
    if problems:
        return [], problems
    document_lines = [number for number, value in objects if "segments" in value]
    if document_lines and len(document_lines) != len(objects):
        segment_line = next(number for number, value in objects if "segments" not in value)
        return [], [DataProblem(path, segment_line, "segments", "this file mixes document lines and segment lines")]
    if document_lines:
        return _validate_documents(path, objects)
    return _segments_to_documents(path, objects)


def _validate_documents(path: Path, objects: list[tuple[int, Any]]) -> tuple[list[LoadedDocument], list[DataProblem]]:
    loaded, problems = [], []
    for number, value in objects:
        try:
            loaded.append(LoadedDocument(Document.model_validate(value), path, number))
        except ValidationError as error:
            problems += _problems(path, number, error)
    return loaded, problems


def _segments_to_documents(path: Path, rows: list[tuple[int, Any]]) -> tuple[list[LoadedDocument], list[DataProblem]]:
    records, problems = [], []
    for number, value in rows:
        try:
            records.append((number, SegmentRecord.model_validate(value)))
        except ValidationError as error:
            problems += _problems(path, number, error)
    if problems:
        return [], problems
    if not records:
        return [], [DataProblem(path, 0, "", "the file holds no record")]
    return list(_group_segments(path, records)), []


def _group_segments(path: Path, records: list[tuple[int, SegmentRecord]]) -> Iterator[LoadedDocument]:
    """Consecutive records with the same doc_id form one document."""
    group: list[tuple[int, SegmentRecord]] = []
    for number, record in records:
        if group and (record.doc_id is None or record.doc_id != group[-1][1].doc_id):
            yield _document_from(path, group)
            group = []
        group.append((number, record))
    yield _document_from(path, group)


def _document_from(path: Path, group: list[tuple[int, SegmentRecord]]) -> LoadedDocument:
    first_line, first = group[0]
    segments = tuple(
        LabelledSegment(text=r.text, boilerplate=r.boilerplate, acts=r.acts, context=r.context, family=r.family)
        for _, r in group
    )
    doc_id = first.doc_id or f"{path.stem}:{first_line}"
    return LoadedDocument(Document(doc_id=doc_id, lang=first.lang, segments=segments), path, first_line)


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    for row in reader:
        # A short row leaves its missing columns None; they are absent, as empty ones are.
        values: dict[str, Any] = {
            key: value for key, value in row.items() if key is not None and value is not None and value != ""
        }
        if "boilerplate" in values:
            values["boilerplate"] = _csv_bool(values["boilerplate"])
        values["acts"] = [act.strip() for act in values.get("acts", "").split(ACT_SEPARATOR) if act.strip()]
        yield reader.line_num, values


def _csv_bool(value: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    return value  # left as text, so that validation names the field


def _problems(path: Path, line: int, error: ValidationError) -> list[DataProblem]:
    return [
        DataProblem(
            path, line, ".".join(str(part) for part in issue["loc"]), issue["msg"].removeprefix("Value error, ")
        )
        for issue in error.errors()
    ]


def check_files(paths: Iterable[Path | str]) -> tuple[list[LoadedDocument], list[DataProblem]]:
    """Everything ``read_documents`` refuses, plus exact duplicate segments.

    Duplicates are a corpus-quality problem, not a reason to refuse training
    data (real pages repeat their chrome), so only ``parley data check``
    reports them.
    """
    loaded, problems = read_with_problems(paths)
    problems += duplicate_id_problems(loaded)
    first_seen: dict[str, tuple[LoadedDocument, int]] = {}
    for item in loaded:
        for index, segment in enumerate(item.document.segments):
            if segment.text in first_seen:
                earlier, earlier_index = first_seen[segment.text]
                problems.append(
                    DataProblem(
                        item.path,
                        item.line,
                        f"segments.{index}.text",
                        f"duplicate of {earlier.path}:{earlier.line} segments.{earlier_index} ({segment.text[:60]!r})",
                    )
                )
            else:
                first_seen[segment.text] = (item, index)
    return loaded, problems
