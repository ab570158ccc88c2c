"""`parley classify --input DOCS.jsonl --output LABELLED.jsonl`: label a whole corpus.

Input: one JSON document per line, ``{"id": ..., "text": "<page text>"}`` or
``{"id": ..., "segments": [...]}`` (segments cut already: strings, or objects
with a ``"text"``, as in the labelled-data format), with ``doc_id`` accepted for
``id`` and an optional ``lang`` (or ``language``). Every line is checked before
anything is classified; a bad one is an error naming the file, the line and
the field, and so is an id seen twice.

Output: one line per document, ``{"id", "model", "sentences"}``: the answer of
``parley classify --json`` (the HTTP API's shape) with the document's id.
Each line is written whole and flushed, so after an interruption (Ctrl-C, a
crash, a killed job) the same command resumes: the ids already in the output
are skipped, a last line cut short is dropped and its document done again, and
the rest is appended. No document is lost or written twice.

Engines:

- ``local`` (default): this machine. Documents are labelled in chunks whose
  windows share forward passes, in ``workers`` processes with
  the cores shared among them (one process with every core as intra-op threads
  when ``workers`` is 1). Output follows the input order.
- ``ray`` (extra ``[ray]``): Ray Data on the Ray cluster of ``RAY_ADDRESS`` (or a
  local one), the predictor held by a callable class in ``map_batches``, one
  copy per actor. The model folder and the input file must be at the same path
  on every node. Output order is the order batches finish in.
"""

import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model.predictor import Predictor
from model.segment import segment_text
from serve.schemas import ModelInfo, SentenceResult, model_info

ENGINES = ("local", "ray")
# Documents labelled together: their windows share forward passes (a news page has ~10-40 segments).
CHUNK_DOCUMENTS = 8

DocumentId = str | int


class CorpusError(ValueError):
    """An input or output file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class CorpusDocument:
    id: DocumentId
    text: str | None = None
    segments: tuple[str, ...] | None = None
    language: str | None = None


class CorpusResult(BaseModel):
    """One line of the output: `parley classify --json`'s answer for one document, with its id."""

    id: DocumentId
    model: ModelInfo
    sentences: list[SentenceResult]


@dataclass(frozen=True)
class PredictorSpec:
    """What a worker needs to load its own predictor (it crosses process boundaries)."""

    path: str
    device: str = "auto"
    batch_size: int = 32
    threads: int = 0
    backend: str = "auto"

    def load(self) -> Predictor:
        return Predictor.from_pretrained(
            self.path, device=self.device, batch_size=self.batch_size, threads=self.threads, backend=self.backend
        )

    def with_threads(self, threads: int) -> "PredictorSpec":
        return PredictorSpec(self.path, self.device, self.batch_size, threads, self.backend)


@dataclass(frozen=True)
class CorpusSummary:
    total: int  # documents in the input
    skipped: int  # already in the output when the run started
    written: int  # written by this run


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


# Labelling ------------------------------------------------------------------------------------------------------


def label_documents(predictor: Predictor, documents: list[CorpusDocument], language: str) -> list[str]:
    """One output line (JSON, no line break) per document.

    The windows of all the documents go to the model together
    (``Predictor.score_pages``), so short documents still fill its batches; each
    document is read as its own page, exactly as ``Predictor.predict_document``
    (text) and ``predict_segments`` (segments) read it.
    """
    cut: list[tuple[list[str], list[tuple[int | None, int | None]]]] = []
    for document in documents:
        if document.text is not None:
            segments = segment_text(document.text, document.language or language)
            texts = [segment.text for segment in segments]
            spans: list[tuple[int | None, int | None]] = [(segment.start, segment.end) for segment in segments]
        else:
            texts = list(document.segments or ())
            spans = [(None, None)] * len(texts)
        cut.append((texts, spans))
    scores = predictor.score_pages([texts for texts, _ in cut])
    info = model_info(predictor)
    lines = []
    for document, (texts, spans), rows in zip(documents, cut, scores, strict=True):
        sentences = [
            SentenceResult.model_validate(predictor.prediction(index, text, row, start, end), from_attributes=True)
            for index, (text, (start, end), row) in enumerate(zip(texts, spans, rows, strict=True))
        ]
        lines.append(CorpusResult(id=document.id, model=info, sentences=sentences).model_dump_json())
    return lines


def chunks(documents: Iterable[CorpusDocument], size: int = CHUNK_DOCUMENTS) -> Iterator[list[CorpusDocument]]:
    chunk: list[CorpusDocument] = []
    for document in documents:
        chunk.append(document)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The local engine: one process with every core, or several processes sharing them.

_worker: tuple[Predictor, str] | None = None


def _start_worker(spec: PredictorSpec, language: str) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the parent stops the run, its workers finish their chunk quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = (spec.load(), language)


def _label_in_worker(documents: list[CorpusDocument]) -> list[str]:
    assert _worker is not None, "the worker process was not started with _start_worker"
    predictor, language = _worker
    return label_documents(predictor, documents, language)


def label_locally(
    predictor: Predictor | None,
    spec: PredictorSpec,
    documents: Iterable[CorpusDocument],
    *,
    language: str,
    workers: int,
) -> Iterator[tuple[CorpusDocument, str]]:
    """(document, output line) in input order: in this process with ``predictor`` when ``workers`` is 1,
    else in ``workers`` processes (spawned: fork after torch started its threads is unsafe), each
    loading ``spec``."""
    if workers <= 1:
        if predictor is None:
            predictor = spec.load()
        for chunk in chunks(documents):
            yield from zip(chunk, label_documents(predictor, chunk, language), strict=True)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(spec, language))
    pending: deque[tuple[list[CorpusDocument], Future[list[str]]]] = deque()
    try:
        for chunk in chunks(documents):
            pending.append((chunk, pool.submit(_label_in_worker, chunk)))
            if len(pending) >= 2 * workers:  # a bounded queue: the input is never all in memory
                done, future = pending.popleft()
                yield from zip(done, future.result(), strict=True)
        while pending:
            done, future = pending.popleft()
            yield from zip(done, future.result(), strict=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# The Ray engine.


class RayLabeller:
    """The callable class of ``map_batches``: each Ray actor loads one predictor and labels batches of
    input lines (``{"text": [line, ...]}`` from ``ray.data.read_text``) into output lines."""

    def __init__(self, spec: PredictorSpec, language: str, skip: frozenset = frozenset()) -> None:
        self.predictor = spec.load()
        self.language = language
        self.skip = skip

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        documents = [parse_document(str(line), "ray input") for line in batch["text"]]
        documents = [document for document in documents if document.id not in self.skip]
        lines = label_documents(self.predictor, documents, self.language) if documents else []
        return {"line": lines}


def label_with_ray(
    input_path: Path,
    spec: PredictorSpec,
    *,
    language: str,
    workers: int | None,
    skip: set[DocumentId],
) -> Iterator[tuple[DocumentId, str]]:
    """(id, output line) for every input document not in ``skip``, as Ray's actors finish them;
    ``workers`` actors (None: as many as the cluster has CPUs for ``spec.threads`` each).

    The input is read as lines (``ray.data.read_text``) and parsed by the actors: its documents may
    mix `text` and `segments`, and segments as strings or objects, which Arrow's JSON reader
    (``read_json``) cannot put in one column type.
    """
    try:
        import ray
    except ImportError as error:
        raise CorpusError("--engine ray needs Ray: pip install 'parley[ray]'") from error
    started = not ray.is_initialized()
    if started:
        ray.init(logging_level="warning")  # joins the cluster of RAY_ADDRESS when set, else starts a local one
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)) // max(spec.threads, 1))
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # Reading lines takes no CPU of its own: the actors may hold every CPU of the cluster (with one CPU
    # per read task, the reads of a 2-CPU Ray waited forever behind 2 one-CPU actors).
    dataset = ray.data.read_text(str(input_path.resolve()), drop_empty_lines=True, num_cpus=0).map_batches(
        RayLabeller,
        fn_constructor_kwargs={"spec": spec, "language": language, "skip": frozenset(skip)},
        batch_size=CHUNK_DOCUMENTS,
        batch_format="numpy",
        concurrency=workers,
        num_cpus=max(spec.threads, 1),
    )
    try:
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for line in batch["line"]:
                line = str(line)
                yield json.loads(line)["id"], line
    finally:
        if started:  # a Ray this run started ends with it (one it joined goes on)
            ray.shutdown()


# The whole run --------------------------------------------------------------------------------------------------


def classify_corpus(
    input_path: Path,
    output_path: Path,
    spec: PredictorSpec,
    *,
    language: str,
    engine: str = "local",
    workers: int | None = None,
    predictor: Predictor | None = None,
    progress: bool | None = None,
    on_written: Callable[[int], None] | None = None,
) -> CorpusSummary:
    """Label every document of ``input_path`` not yet in ``output_path`` and append its line there.

    ``workers``: processes (local) or Ray actors; None for the default (local: see
    ``default_workers``; ray: one per CPU of the cluster). Local workers share this
    machine's cores unless ``spec.threads`` is set; Ray actors take one thread each.
    ``predictor`` (already loaded from ``spec``) is used by a one-process local run;
    else one is loaded here first, to check the model folder. ``progress``: a
    progress bar on stderr (None: when stderr is a terminal).
    """
    from tqdm import tqdm

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    if input_path.resolve() == output_path.resolve():
        raise CorpusError(f"--output {output_path} is the input file; give another file")
    ids = scan_input(input_path)
    done = completed_ids(output_path)
    skipped = sum(1 for document_id in ids if document_id in done)
    todo = (document for document in read_documents(input_path) if document.id not in done)
    cores = available_cores()
    if engine == "local":
        workers = workers or default_workers(cores)
        spec = spec.with_threads(spec.threads or max(1, cores // workers))
    else:  # one thread per actor, one actor per CPU of the cluster unless told
        spec = spec.with_threads(spec.threads or 1)
    # Loaded here even when workers load their own: a bad model folder is one clear error, before any starts.
    predictor = predictor or spec.load()
    labelled: Iterator[tuple[DocumentId, str]]
    if engine == "local":
        labelled = (
            (document.id, line)
            for document, line in label_locally(
                predictor if workers == 1 else None, spec, todo, language=language, workers=workers
            )
        )
    else:
        labelled = label_with_ray(input_path, spec, language=language, workers=workers, skip=done)
    if engine != "local" or (workers or 1) > 1:
        predictor = None
    written = 0
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        output_path.open("a", encoding="utf-8") as output,
        tqdm(
            total=len(ids),
            initial=skipped,
            unit="doc",
            desc="classify",
            file=sys.stderr,
            disable=None if progress is None else not progress,
            dynamic_ncols=True,
        ) as bar,
    ):
        for document_id, line in labelled:
            if document_id in done:  # never written twice (Ray's input is filtered by its actors)
                continue
            output.write(line + "\n")
            output.flush()
            done.add(document_id)
            written += 1
            bar.update(1)
            if on_written is not None:
                on_written(written)
    return CorpusSummary(total=len(ids), skipped=skipped, written=written)


def default_workers(cores: int) -> int:
    """Processes for the local engine: one, with every core as intra-op threads. On 2 cores it was twice as
    fast as 2 one-thread processes (benchmarks/results/corpus_classify.md)."""
    return 1
