"""The whole corpus run: check the input, skip what the output holds, label the rest, append it line by line."""

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from model.predictor import Predictor
from parley.corpus.engines import (
    ENGINES,
    PredictorSpec,
    available_cores,
    default_workers,
    label_locally,
    label_with_ray,
)
from parley.corpus.files import CorpusError, DocumentId, completed_ids, read_documents, scan_input


@dataclass(frozen=True)
class CorpusSummary:
    total: int  # documents in the input
    skipped: int  # already in the output when the run started
    written: int  # written by this run


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
