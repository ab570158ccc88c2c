"""Compute efficiency: the model's FLOPs for the tokens it processed, against a measured matmul peak.

FLOPs of one window of ``n`` tokens in a BERT-style token classifier with ``L``
layers, hidden size ``h``, feed-forward size ``f`` and ``c`` labels (a
multiply-add is 2 FLOPs; embedding lookups, layer norms, softmax, GELU, biases
and the pooling of token logits into segments are left out, they are a few per
cent at these sizes):

    per token, per layer:  2 * (4*h*h + 2*h*f)      Q, K, V and output projections; the two feed-forward matmuls
                         + 2 * 2 * h * n            Q.K^T and attention.V over the n positions the token attends to
    per token:             2 * h * c                the classifier, which runs on every token (there is no pooler)

    FLOPs(n) = n * (L * (8*h*h + 4*h*f + 4*h*n) + 2*h*c)

For multilingual-e5-small (L 12, h 384, f 1536) that is 42.5 MFLOP per token
plus 18.4 kFLOP per token per position attended to.

*Useful* FLOPs count each window at its own length; *executed* FLOPs count
what the padded batches computed: every window of a batch at the length of the
longest, with the batches ``Predictor.score_windows`` forms (windows sorted by
token count, cut by ``model.predictor.length_batches`` with the predictor's
``batch_size``, ``max_batch_tokens`` and ``max_padding``). Achieved GFLOP/s are
the useful FLOPs over the wall time.

The peak is measured here, in the same run: the best of repeated fp32 matrix
products in torch (square, 2048), with the threads the benchmark uses. A
product of the model's own shapes (the tokens of one full CPU batch x 384 by
384 x 1536) and, for the int8 export, ONNX Runtime's int8 ``MatMulInteger`` at
that shape give the ceilings those kernels reach on this machine.
"""

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from model.predictor import CPU_MAX_BATCH_TOKENS, length_batches


@dataclass(frozen=True)
class EncoderShape:
    layers: int
    hidden: int
    intermediate: int
    labels: int

    @classmethod
    def from_config(cls, config) -> "EncoderShape":
        """From a Hugging Face BERT/XLM-R style config."""
        return cls(config.num_hidden_layers, config.hidden_size, config.intermediate_size, config.num_labels)

    def to_dict(self) -> dict:
        return asdict(self)


def linear_flops_per_token(shape: EncoderShape) -> int:
    """Projection and feed-forward FLOPs of one token through every layer."""
    h, f = shape.hidden, shape.intermediate
    return shape.layers * 2 * (4 * h * h + 2 * h * f)


def attention_flops_per_token(shape: EncoderShape, attended: int) -> int:
    """Q.K^T and attention.V FLOPs of one token attending to ``attended`` positions, every layer."""
    return shape.layers * 2 * 2 * shape.hidden * attended


def classifier_flops_per_token(shape: EncoderShape) -> int:
    """Classifier FLOPs of one token: every token gets its logits, segments are pooled from them."""
    return 2 * shape.hidden * shape.labels


def sequence_flops(shape: EncoderShape, length: int) -> int:
    """FLOPs of one window of ``length`` tokens (the formula in the module docstring)."""
    if length <= 0:
        return 0
    per_token = linear_flops_per_token(shape) + attention_flops_per_token(shape, length)
    return length * (per_token + classifier_flops_per_token(shape))


@dataclass(frozen=True)
class BatchedWork:
    batches: int
    windows: int
    tokens: int  # real tokens
    padded_tokens: int  # tokens the padded batches hold
    useful_flops: int
    executed_flops: int

    @property
    def padding_fraction(self) -> float:
        return 1 - self.tokens / self.padded_tokens if self.padded_tokens else 0.0

    def __add__(self, other: "BatchedWork") -> "BatchedWork":
        return BatchedWork(
            self.batches + other.batches,
            self.windows + other.windows,
            self.tokens + other.tokens,
            self.padded_tokens + other.padded_tokens,
            self.useful_flops + other.useful_flops,
            self.executed_flops + other.executed_flops,
        )

    def to_dict(self) -> dict:
        return {**asdict(self), "padding_fraction": self.padding_fraction}


def batched_work(
    shape: EncoderShape,
    lengths: Sequence[int],
    batch_size: int,
    max_tokens: int | None = None,
    max_padding: float | None = None,
) -> BatchedWork:
    """The work of one ``score_windows`` call on windows of these token ``lengths``.

    The batches are formed as the predictor forms them (``length_batches`` with
    its ``batch_size``, ``max_batch_tokens`` and ``max_padding``), each padded to
    its longest window.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    batches = length_batches(lengths, batch_size, max_tokens, max_padding)
    padded_tokens = executed = 0
    for batch in batches:
        longest = max(lengths[index] for index in batch)
        padded_tokens += len(batch) * longest
        executed += len(batch) * sequence_flops(shape, longest)
    return BatchedWork(
        batches=len(batches),
        windows=len(lengths),
        tokens=sum(lengths),
        padded_tokens=padded_tokens,
        useful_flops=sum(sequence_flops(shape, length) for length in lengths),
        executed_flops=executed,
    )


def _best_rate(run, flops: float, seconds: float, minimum_runs: int = 3) -> dict:
    """Run ``run`` until ``seconds`` have passed (at least ``minimum_runs`` times); GFLOP/s best and median."""
    run()  # warm-up: allocations, kernel selection
    rates = []
    deadline = time.perf_counter() + seconds
    while len(rates) < minimum_runs or time.perf_counter() < deadline:
        started = time.perf_counter()
        run()
        rates.append(flops / (time.perf_counter() - started) / 1e9)
    return {"best_gflops": max(rates), "median_gflops": float(np.median(rates)), "runs": len(rates)}


def torch_matmul_rate(m: int, k: int, n: int, seconds: float = 2.0, dtype: str = "float32") -> dict:
    """fp32 (or bf16) ``torch.mm`` of an m x k by a k x n matrix, with torch's current threads."""
    import torch

    torch_dtype = getattr(torch, dtype)
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=generator).to(torch_dtype)
    b = torch.randn(k, n, generator=generator).to(torch_dtype)
    out = torch.empty(m, n, dtype=torch_dtype)

    def run() -> None:
        with torch.inference_mode():
            torch.mm(a, b, out=out)

    return {
        "shape": [m, k, n],
        "dtype": dtype,
        "threads": torch.get_num_threads(),
        **_best_rate(run, 2.0 * m * k * n, seconds),
    }


def onnxruntime_int8_matmul_rate(m: int, k: int, n: int, threads: int, seconds: float = 2.0) -> dict:
    """ONNX Runtime's ``MatMulInteger`` (uint8 activations x int8 weights, the int8 export's kernel)."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weights = numpy_helper.from_array(rng.integers(-127, 128, size=(k, n), dtype=np.int8), name="B")
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])],
        "int8_matmul",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])],
        initializer=[weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads > 0:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feeds = {"A": rng.integers(0, 256, size=(m, k), dtype=np.uint8)}
    rate = _best_rate(lambda: session.run(None, feeds), 2.0 * m * k * n, seconds)
    return {"shape": [m, k, n], "dtype": "int8 (uint8 x int8 -> int32)", "threads": threads, **rate}


def measure_peaks(shape: EncoderShape, threads: int, seconds: float = 2.0) -> dict:
    """The reference peak (fp32 square) and the ceilings at the model's shapes."""
    tokens = CPU_MAX_BATCH_TOKENS  # the most tokens one of the predictor's CPU batches holds
    peaks = {
        "fp32_square": torch_matmul_rate(2048, 2048, 2048, seconds),
        "fp32_model_shape": torch_matmul_rate(tokens, shape.hidden, shape.intermediate, seconds),
    }
    try:
        peaks["int8_model_shape_onnxruntime"] = onnxruntime_int8_matmul_rate(
            tokens, shape.hidden, shape.intermediate, threads, seconds
        )
    except Exception as error:  # the ceiling is context, not the reference: report why it is missing
        peaks["int8_model_shape_onnxruntime"] = {"error": f"{type(error).__name__}: {error}"}
    return peaks


def efficiency(work: BatchedWork, seconds: float, peak_gflops: float) -> dict:
    """Achieved GFLOP/s (useful and executed) and their share of ``peak_gflops``."""
    useful = work.useful_flops / seconds / 1e9
    executed = work.executed_flops / seconds / 1e9
    return {
        "seconds": seconds,
        "achieved_gflops": useful,
        "executed_gflops": executed,
        "peak_gflops": peak_gflops,
        "fraction_of_peak": useful / peak_gflops,
        "executed_fraction_of_peak": executed / peak_gflops,
        **work.to_dict(),
    }
