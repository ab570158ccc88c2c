"""Latency of one article through HTTP: p50, p95, p99 over many requests, at several client counts.

The article is a page of ``segments`` lines POSTed as ``text/plain`` (the
server segments it, as it does what users send). No page of the corpus has 40
segments (the longest has 19), so the page is the segments of consecutive test
documents, one per line, cut after the ``segments``-th segment that
``model.segment.segment_text`` finds.
"""

from collections.abc import Sequence

import numpy as np

from bench.bench_server import Request, ServerProcess, run_load, warm_up
from model.segment import segment_text
from training.data import Document

QUANTILES = (50, 95, 99)


def percentiles(values: Sequence[float], quantiles: Sequence[float] = QUANTILES) -> dict[str, float]:
    """``{"p50": ..., ...}`` by linear interpolation between closest ranks (numpy's default, Excel's
    PERCENTILE.INC): the p-th percentile of n sorted values sits at rank p/100 * (n - 1)."""
    if not len(values):
        raise ValueError("no values")
    for quantile in quantiles:
        if not 0 <= quantile <= 100:
            raise ValueError(f"percentiles are between 0 and 100, got {quantile}")
    found = np.percentile(np.asarray(values, dtype=float), list(quantiles), method="linear")
    return {f"p{quantile:g}": float(value) for quantile, value in zip(quantiles, found, strict=True)}


def article(documents: Sequence[Document], segments: int, language: str = "fr") -> tuple[str, int]:
    """A page of exactly ``segments`` segments (as the server will cut it) from consecutive documents."""
    lines = [segment.text for document in documents for segment in document.segments]
    page = "\n".join(lines)
    found = segment_text(page, language)
    if len(found) < segments:
        raise ValueError(f"the documents hold {len(found)} segments, fewer than {segments}")
    text = page[: found[segments - 1].end]
    count = len(segment_text(text, language))
    if count != segments:
        raise ValueError(f"the cut page segments into {count} segments, not {segments}")
    return text, count


def measure_latency(server: ServerProcess, text: str, segments: int, concurrency: int, requests: int) -> dict:
    """``requests`` POSTs of the article by ``concurrency`` clients; latency percentiles in milliseconds."""
    request = Request.text(text, segments)
    warm_up(server, [request] * concurrency, count=concurrency)
    result = run_load(server, [request] * requests, concurrency)
    milliseconds = [1000 * latency for latency in result.latencies]
    return {
        "concurrency": concurrency,
        "requests": requests,
        "segments_per_request": segments,
        **{name: value for name, value in percentiles(milliseconds).items()},
        "mean_ms": float(np.mean(milliseconds)),
        "max_ms": float(np.max(milliseconds)),
        "requests_per_second": requests / result.seconds,
        "segments_per_second": result.segments_per_second,
        "client_cpu_seconds": result.client_cpu_seconds,
        "server_cpu_seconds": result.server_cpu_seconds,
        "seconds": result.seconds,
    }
