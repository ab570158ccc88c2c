"""Prometheus metrics of one app, in a registry of its own.

A registry per app (not prometheus_client's global one) lets several apps live
in one process, as they do in the tests, without their counts mixing.
"""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WINDOW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
REQUEST_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "parley_http_requests",
            "HTTP requests answered, by endpoint and status code.",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "parley_http_request_duration_seconds",
            "Time to answer an HTTP request, by endpoint.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_windows = Histogram(
            "parley_batch_windows",
            "Page windows scored together in one pooled model call.",
            buckets=WINDOW_BUCKETS,
            registry=self.registry,
        )
        self.batch_requests = Histogram(
            "parley_batch_requests",
            "Requests whose windows shared one pooled model call.",
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.segments = Counter(
            "parley_segments_classified",
            "Segments labelled and returned.",
            registry=self.registry,
        )
        self.errors = Counter(
            "parley_errors",
            "Error answers, by error code.",
            ["code"],
            registry=self.registry,
        )

        self.reloads = Counter(
            "parley_model_reloads",
            "POST /v1/admin/reload calls that got past authentication, by outcome (swapped or failed).",
            ["outcome"],
            registry=self.registry,
        )

        self.corrections = Counter(
            "parley_feedback_corrections",
            "Corrections stored by POST /v1/feedback.",
            registry=self.registry,
        )

    def observe_batch(self, windows: int, requests: int) -> None:
        self.batch_windows.observe(windows)
        self.batch_requests.observe(requests)

    def render(self) -> bytes:
        return generate_latest(self.registry)
