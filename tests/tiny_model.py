"""A tiny, randomly initialised Parley model for logic tests (seconds, no download).

It has the real shape of a Parley model (a BERT token classifier, five outputs,
a ``tokenizers`` Unigram tokenizer with XLM-R special tokens, Parley metadata
in its config) but its predictions are noise: tests use it for plumbing, not
for accuracy.
"""

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

from model.labels import ID2LABEL, LABEL2ID
from model.metadata import ModelMetadata, write_metadata
from model.pages import PageSettings

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]

TRAINING_TEXT = """
Accueil Monde Économie Sport Culture Publicité Lire aussi Partager sur Facebook
La direction a proposé une prime aux contrôleurs, à condition que le préavis soit levé.
« Le compte n'y est pas », a répondu le secrétaire général du syndicat.
Le ministre s'est dit prêt à recevoir les organisations syndicales dès vendredi.
Moscou a rejeté l'offre. Kiev exclut toute concession territoriale.
The union rejected the offer. The company is ready to talk if the strike ends.
Die Gewerkschaft lehnt das Angebot ab. Wir sind zu Gesprächen bereit.
0 1 2 3 4 5 6 7 8 9 % € , . ; : ! ? ' " « » - – — ( ) / < >
""".strip().splitlines()


def build_tokenizer(folder: Path) -> PreTrainedTokenizerFast:
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=400, special_tokens=SPECIAL_TOKENS, unk_token="<unk>")
    tokenizer.train_from_iterator(TRAINING_TEXT, trainer)
    ids = {token: tokenizer.token_to_id(token) for token in ("<s>", "</s>")}
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=list(ids.items()),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
    )
    fast.save_pretrained(folder)
    return fast


def build_tiny_model(folder: Path, *, max_length: int = 64, seed: int = 0, initializer_range: float = 0.02) -> Path:
    """Write a tiny Parley model folder and return its path.

    With BERT's usual ``initializer_range`` (0.02) every segment gets about the same scores; a larger one (0.5)
    makes the scores, and so the labels, differ from segment to segment.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(folder)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_length + 8,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=len(ID2LABEL),
        id2label=ID2LABEL,
        label2id=LABEL2ID,
        initializer_range=initializer_range,
    )
    write_metadata(
        config,
        ModelMetadata(
            name="tiny-test-model",
            version="0.0.1",
            backbone="random tiny BERT",
            # Windows of a few short segments, so that tests see pages slide over several windows.
            page=PageSettings(max_length=max_length, max_segment_tokens=16, context_tokens=8),
        ),
    )
    BertForTokenClassification(config).save_pretrained(folder)
    return folder
