"""The engines that label a corpus's documents: this machine's processes (local) or Ray Data (ray)."""

import json
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model.predictor import Predictor
from model.segment import segment_text
from parley.corpus.files import CorpusDocument, CorpusError, DocumentId, parse_document
from serve.schemas import ModelInfo, SentenceResult, model_info

ENGINES = ("local", "ray")
# Documents labelled together: their windows share forward passes (a news page has ~10-40 segments).
CHUNK_DOCUMENTS = 8


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


def default_workers(cores: int) -> int:
    """Processes for the local engine: one, with every core as intra-op threads. On 2 cores it was twice as
    fast as 2 one-thread processes (bench/results/corpus_classify.md)."""
    return 1
