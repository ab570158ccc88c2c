"""Throughput on a GPU, when torch sees one: the same table as on the CPU, with torch fp16.

Naive pipeline (fp16 weights on the GPU, one segment per call) against the
predictor (torch fp16 on CUDA, windows in sorted batches), on the same pages
(bench_throughput), then the HTTP service started with ``--device cuda
--backend torch``.
"""

from collections.abc import Sequence
from pathlib import Path

from bench.bench_server import ServerProcess, write_config
from bench.bench_throughput import (
    interleaved,
    naive_contender,
    naive_pipeline,
    pages_of,
    predictor_contender,
    service_throughput,
    throughput_table,
)
from model.predictor import Predictor
from training.data import Document


def gpu_throughput(
    *,
    model_dir: Path,
    documents: Sequence[Document],
    seed: int,
    rounds: int,
    batch_size: int,
    base_config: Path,
    work_dir: Path,
    root: Path,
    concurrencies: Sequence[int],
) -> dict:
    import torch

    if not torch.cuda.is_available():
        return {"measured": False, "reason": "torch.cuda.is_available() was False on this machine"}
    device = torch.cuda.get_device_name(0)
    predictor = Predictor.from_pretrained(model_dir, device="cuda", backend="torch", batch_size=batch_size)
    classifier = naive_pipeline(model_dir, device="cuda", dtype="float16")
    pages = pages_of(documents)
    naive_name, predictor_name = "naive pipeline (torch fp16, batch 1)", "Parley predictor (torch fp16, sorted batches)"
    contenders = {
        naive_name: naive_contender(classifier, predictor.metadata.page.max_length),
        predictor_name: predictor_contender(predictor),
    }
    for run in contenders.values():  # warm-up: CUDA context, kernels
        run(pages[:1])
    measured = interleaved(contenders, pages, rounds)
    del predictor, classifier
    torch.cuda.empty_cache()

    config = write_config(
        base_config, work_dir / "serve-gpu.yaml", {"inference": {"device": "cuda", "backend": "torch"}}
    )
    server = ServerProcess(
        model=model_dir, config=config, backend="torch", device="cuda", log_path=work_dir / "serve-gpu.log", cwd=root
    )
    with server:
        service = service_throughput(server, documents, concurrencies, sample_rss_at=None)
    table = throughput_table(
        measured,
        service,
        naive=naive_name,
        predictor=predictor_name,
        documents=len(documents),
        seed=seed,
        service_label="HTTP service (torch fp16 on CUDA)",
    )
    return {"measured": True, "device": device, "throughput": table}
