"""The files of a corpus run: the input's documents, checked line by line, and the output's finished ids."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DocumentId = str | int


class CorpusError(ValueError):
    """An input or output file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class CorpusDocument:
    id: DocumentId
    text: str | None = None
    segments: tuple[str, ...] | None = None
    language: str | None = None


# Reading the input ----------------------------------------------------------------------------------------------


def parse_document(line: str, where: str) -> CorpusDocument:
    """One input line as a document; ``where`` (``FILE:LINE``) starts any error message."""
    try:
        record = json.loads(line)
    except ValueError as error:
        raise CorpusError(f"{where}: not valid JSON ({error})") from error
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {type(record).__name__}")
    key = "id" if "id" in record else "doc_id"
    document_id = record.get(key)
    if isinstance(document_id, bool) or not isinstance(document_id, str | int) or document_id == "":
        raise CorpusError(f"{where}: id: every document needs an id (`id` or `doc_id`): a non-empty string or an int")
    language = record.get("lang", record.get("language"))
    if language is not None and not isinstance(language, str):
        raise CorpusError(f"{where}: lang: expected a language code such as 'fr', got {language!r}")
    text, segments = record.get("text"), record.get("segments")
    if (text is None) == (segments is None):
        raise CorpusError(f"{where}: give exactly one of `text` (page text) and `segments` (a list)")
    if text is not None:
        if not isinstance(text, str):
            raise CorpusError(f"{where}: text: expected a string, got {type(text).__name__}")
        return CorpusDocument(document_id, text=text, language=language)
    if not isinstance(segments, list):
        raise CorpusError(f"{where}: segments: expected a list, got {type(segments).__name__}")
    texts = []
    for index, segment in enumerate(segments):
        if isinstance(segment, dict):
            segment = segment.get("text")
        if not isinstance(segment, str):
            raise CorpusError(f"{where}: segments.{index}: expected a string or an object with a string `text`")
        texts.append(segment)
    return CorpusDocument(document_id, segments=tuple(texts), language=language)


def read_documents(path: Path) -> Iterator[CorpusDocument]:
    """The documents of a JSONL file, one at a time (blank lines are skipped)."""
    for _, document in _numbered_documents(path):
        yield document


def _numbered_documents(path: Path) -> Iterator[tuple[int, CorpusDocument]]:
    try:
        with path.open(encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, 1):
                if line.strip():
                    yield number, parse_document(line, f"{path}:{number}")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not UTF-8 text (byte {error.start}: {error.reason})") from error
    except OSError as error:
        raise CorpusError(f"cannot read {path}: {error.strerror}") from error


def scan_input(path: Path) -> list[DocumentId]:
    """Every document id of the input, in order, after checking every line (ids must be unique)."""
    first_line: dict[DocumentId, int] = {}
    for number, document in _numbered_documents(path):
        if document.id in first_line:
            raise CorpusError(
                f"{path}:{number}: id: {document.id!r} is there twice (first on line {first_line[document.id]}); "
                "ids must be unique, resuming relies on them"
            )
        first_line[document.id] = number
    return list(first_line)


# The output and resuming ----------------------------------------------------------------------------------------


def completed_ids(output: Path) -> set[DocumentId]:
    """The ids already written to ``output``.

    A last line with no line break was cut short by a crash: it is removed from
    the file, and its document will be labelled again.
    """
    done: set[DocumentId] = set()
    if not output.exists():
        return done
    complete = 0
    try:
        with output.open("rb+") as stream:
            for number, raw in enumerate(stream, 1):
                if not raw.endswith(b"\n"):
                    break
                try:
                    done.add(json.loads(raw)["id"])
                except (ValueError, KeyError, TypeError) as error:
                    raise CorpusError(
                        f"{output}:{number}: not a line that `parley classify --output` writes; "
                        "give another --output (or remove this file to start again)"
                    ) from error
                complete += len(raw)
            stream.truncate(complete)
    except OSError as error:
        raise CorpusError(f"cannot read {output}: {error.strerror}") from error
    return done
