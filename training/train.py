"""Fine-tuning a Parley page model with the `transformers` Trainer.

One plain ``AutoModelForTokenClassification`` with five outputs, read per
segment from the windows of its page (``model.pages``: each segment's token
logits pooled) and trained with binary cross-entropy on every segment of every
window. A share of the training pages (``training.alone_share``) is read one
segment per window instead, and batches are filled by tokens (``training.token_batches``).
Rare labels weigh more in the loss (``pos_weight``, capped). The Trainer evaluates on the
dev split's windows every epoch, keeps the best checkpoint by dev macro-F1 over the four
acts and stops early when it stops improving. Then per-label thresholds are
tuned on the dev split and stored with the model (``model.metadata``), and the
model folder is written to a temporary sibling and renamed into place, so an
interrupted run never leaves a half-written model behind.

Several processes (``torchrun --nproc_per_node N -m parley train …`` or
``accelerate launch``) train one model with the Trainer's DDP: the main
process alone imports the backbone first, writes checkpoints (the Trainer's
rule) and the model folder; every process scores all of dev with the same
weights, so the thresholds agree, and all wait for the folder before they return.
"""

import json
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from torch.utils.data import DataLoader
from transformers import (
    AutoConfig,
    AutoModelForTokenClassification,
    AutoTokenizer,
    EarlyStoppingCallback,
    EvalPrediction,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.utils import logging as transformers_logging

from model.folder import CONFIG_FILE, TRAINING_RECORD, staged_folder
from model.labels import ID2LABEL, LABEL2ID, LABELS
from model.metadata import MetadataError, ModelMetadata, read_metadata, write_metadata
from model.pages import PageSettings, pad_windows, page_windows, pool_segments
from model.predictor import ModelLoadError, Predictor, check_labels
from model.scorers import sigmoid
from training.backbones import training_backbone
from training.data import Document, read_documents
from training.evaluate import apply_thresholds, compute_metrics, gold_matrix, score_documents, tune_thresholds
from training.model_card import write_model_card
from training.pages import corpus_pages
from training.settings import TrainingSettings
from training.token_batches import TokenBudgetBatches

logger = logging.getLogger(__name__)

BEST_METRIC = "macro_f1_acts"
# The label row of a segment that is in a window but not labelled (a context, or padding): no loss.
UNLABELLED = -100.0


@dataclass(frozen=True)
class TrainingResult:
    output_dir: Path
    thresholds: dict[str, float]
    dev_metrics: dict[str, float]
    epochs_run: float
    losses: list[float]
    # False in the other processes of a multi-process run: only the main one wrote the folder and reports.
    main_process: bool = True


class WeightedLossTrainer(Trainer):
    """A Trainer whose loss is BCE with a positive weight per label over pooled
    segments, and whose classifier learns at its own rate.

    The head starts from random weights on top of an encoder whose outputs are
    small (e5 was trained for normalised mean-pooled embeddings): at the
    encoder's learning rate it barely moves in the first epochs, and the
    model stays at the label priors (measured: dev macro-F1 0.0 after one
    epoch at 6e-5 for everything).
    """

    def __init__(
        self,
        *args,
        pos_weight: torch.Tensor,
        head_learning_rate: float,
        train_batches: TokenBudgetBatches | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pos_weight = pos_weight
        self.head_learning_rate = head_learning_rate
        self.train_batches = train_batches

    def get_train_dataloader(self) -> DataLoader:
        """The ``train_batches`` when given (``sampling: by_tokens``), else the Trainer's batches of
        ``batch_size`` windows."""
        if self.train_batches is None:
            return super().get_train_dataloader()
        loader = DataLoader(self.train_dataset, batch_sampler=self.train_batches, collate_fn=self.data_collator)
        return self.accelerator.prepare(loader)

    def create_optimizer(self, model=None) -> torch.optim.Optimizer:
        if self.optimizer is None:
            model = self.model if model is None else model
            decay = set(self.get_decay_parameter_names(model))
            groups: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {}
            for name, parameter in model.named_parameters():
                if parameter.requires_grad:
                    groups.setdefault((is_head_parameter(model, name), name in decay), []).append(parameter)
            self.optimizer = torch.optim.AdamW(
                [
                    {
                        "params": parameters,
                        "lr": self.head_learning_rate if head else self.args.learning_rate,
                        "weight_decay": self.args.weight_decay if decays else 0.0,
                    }
                    for (head, decays), parameters in groups.items()
                ]
            )
        return self.optimizer

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """BCE over the labelled segments of the batch's windows; evaluation gets their pooled logits."""
        labels = inputs.pop("labels")
        segment_ids = inputs.pop("segment_ids")
        logits = pool_segments(model(**inputs).logits.float(), segment_ids)
        labels = labels[:, : logits.shape[1]]
        labelled = labels[..., 0] != UNLABELLED
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits[labelled], labels[labelled].float(), pos_weight=self.pos_weight.to(logits.device)
        )
        return (loss, {"logits": logits}) if return_outputs else loss


def is_head_parameter(model: torch.nn.Module, name: str) -> bool:
    """True for the classifier: what the backbone did not pretrain."""
    return not name.startswith(f"{model.base_model_prefix}.")


def positive_weights(labels: np.ndarray, cap: float) -> torch.Tensor:
    """negatives / positives per label, capped, so that rare labels are not drowned out."""
    positives = labels.sum(axis=0)
    negatives = len(labels) - positives
    return torch.tensor(np.clip(negatives / np.maximum(positives, 1), 1.0, cap), dtype=torch.float32)


def build_dataset(
    tokenizer: PreTrainedTokenizerBase,
    documents: list[Document],
    page: PageSettings,
    *,
    alone_share: float = 0.0,
    seed: int = 0,
) -> Dataset:
    """The windows of the documents' pages, each with one row of five 0/1 labels per segment it holds
    (``UNLABELLED`` rows for a segment's given context).

    A share ``alone_share`` of the pages (drawn with ``seed``) is read one segment per window instead: the
    model then has to find a segment's acts in the segment itself, not in the page around it.
    """
    gold = iter(gold_matrix(documents).astype(np.float32).tolist())
    alone = np.random.default_rng(seed)
    columns: dict[str, list] = {"input_ids": [], "segment_ids": [], "labels": []}
    for labelled_page in corpus_pages(documents):
        rows = [[UNLABELLED] * len(LABELS)] * len(labelled_page.segments)
        for index in labelled_page.labelled:
            rows[index] = next(gold)
        if alone.random() < alone_share:
            windows = [
                replace(
                    page_windows(tokenizer, [labelled_page.segments[index]], page)[0],
                    first=index,
                    answers=range(index, index + 1),
                )
                for index in labelled_page.labelled
            ]
        else:
            windows = page_windows(tokenizer, labelled_page.segments, page)
        for window in windows:
            columns["input_ids"].append(window.input_ids)
            columns["segment_ids"].append(window.segment_ids)
            columns["labels"].append(rows[window.first : window.first + window.count])
    return Dataset.from_dict(columns)


class WindowCollator:
    """Pads a batch of windows (``model.pages.pad_windows``) and their label rows.

    Windows are padded to a multiple of ``PAD_MULTIPLE`` tokens, so that a run sees eight shapes at most (the
    CPU's kernels are prepared per shape).
    """

    PAD_MULTIPLE = 64

    def __init__(self, tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        self.pad_id = tokenizer.pad_token_id
        self.max_length = max_length

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        padded = pad_windows(
            [row["input_ids"] for row in rows],
            [row["segment_ids"] for row in rows],
            self.pad_id,
            self.PAD_MULTIPLE,
            self.max_length,
        )
        batch = {name: torch.from_numpy(array) for name, array in padded.items()}
        labels = torch.full((len(rows), max(len(row["labels"]) for row in rows), len(LABELS)), UNLABELLED)
        for position, row in enumerate(rows):
            labels[position, : len(row["labels"])] = torch.tensor(row["labels"])
        batch["labels"] = labels
        return batch


def token_batches(dataset: Dataset, options: TrainingSettings, page: PageSettings) -> TokenBudgetBatches:
    """The training batches of ``sampling: by_tokens``: windows of one padded length, up to ``batch_size`` full
    windows' worth of tokens a batch."""
    return TokenBudgetBatches(
        [len(ids) for ids in dataset["input_ids"]],
        options.batch_size * page.max_length,
        WindowCollator.PAD_MULTIPLE,
        page.max_length,
        seed=options.seed,
    )


def labelled_rows(prediction: EvalPrediction) -> tuple[np.ndarray, np.ndarray]:
    """(scores, gold) of the labelled segments of evaluation's windows (padding rows dropped)."""
    gold = np.asarray(prediction.label_ids).reshape(-1, len(LABELS))
    logits = np.asarray(prediction.predictions).reshape(-1, len(LABELS))
    labelled = gold[:, 0] != UNLABELLED
    return sigmoid(logits[labelled]), gold[labelled].astype(int)


def dev_metrics(prediction: EvalPrediction) -> dict[str, float]:
    """Dev metrics at 0.5 thresholds, for model selection during training (every segment of every window)."""
    scores, gold = labelled_rows(prediction)
    predicted = apply_thresholds(scores, dict.fromkeys(LABELS, 0.5))
    result = compute_metrics(gold, predicted, scores)
    return {BEST_METRIC: result.macro_f1_acts, "f1_boilerplate": result.boilerplate_f1}


def train(
    options: TrainingSettings,
    page: PageSettings,
    *,
    train_files: list[Path],
    dev_files: list[Path],
    output_dir: Path,
    init_from: Path | None = None,
    resume: bool = False,
    corpus_files: list[Path] | None = None,
) -> TrainingResult:
    """Fine-tune, tune thresholds on dev, and write the model folder to ``output_dir``.

    ``page`` says how a new model reads pages; a model continued ``init_from`` keeps its own. ``corpus_files``
    are mixed in with ``train_files`` (`parley train --data FILE --with-corpus`), whose pages are then repeated
    up to ``options.data_share`` of an epoch (:func:`data_repeats`).
    """
    started = time.monotonic()
    # Read and validate every file first: nothing is trained on half-valid data.
    train_documents = read_documents(train_files)
    corpus_documents = read_documents(corpus_files) if corpus_files else []
    repeats = data_repeats(len(train_documents), len(corpus_documents), options.data_share)
    _check_no_shared_ids(train_documents, corpus_documents)
    train_documents = corpus_documents + train_documents * repeats
    dev_documents = read_documents(dev_files)
    if options.threads > 0:
        torch.set_num_threads(options.threads)
    set_seed(options.seed)
    checkpoints = options.checkpoint_dir / output_dir.name
    # The last checkpoint the Trainer finished writing (one cut short by a kill is skipped).
    resume_from = last_complete_checkpoint(checkpoints) if resume else None
    if resume and resume_from is None:
        raise FileNotFoundError(f"--resume: no checkpoint to resume from in {checkpoints}")
    # Made first: under torchrun or accelerate launch this joins the process group.
    arguments = _training_arguments(options, checkpoints)
    if arguments.world_size > 1 and not arguments.should_log:  # the other processes: warnings only, no bars
        transformers_logging.set_verbosity(arguments.get_process_log_level())
        transformers_logging.disable_progress_bar()

    # The main process imports (and caches) the backbone first; the others then find it in place.
    with arguments.main_process_first(desc="backbone"):
        source, page, backbone = _starting_point(options, page, init_from)
    tokenizer = AutoTokenizer.from_pretrained(source)
    config = AutoConfig.from_pretrained(source, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID)
    if hasattr(config, "attention_probs_dropout_prob"):
        # Dropout on the attention probabilities takes SDPA off its fast path: on 2 cores a step of 4 windows of
        # 384 tokens took 1.6 s with it (eager attention, which it needs) against 0.9 s without it (SDPA).
        config.attention_probs_dropout_prob = 0.0
    model = AutoModelForTokenClassification.from_pretrained(source, config=config, dtype=torch.float32)
    positions = getattr(model.config, "max_position_embeddings", None)
    if positions is not None and page.max_length > positions:
        raise ValueError(f"page.max_length is {page.max_length} but {source} has only {positions} positions; lower it")
    train_dataset = build_dataset(tokenizer, train_documents, page, alone_share=options.alone_share, seed=options.seed)
    dev_dataset = build_dataset(tokenizer, dev_documents, page)
    train_gold = gold_matrix(train_documents)
    pos_weight = positive_weights(train_gold, options.max_pos_weight)
    logger.info(
        "training on %d segments in %d windows, dev %d windows; pos_weight %s",
        len(train_gold),
        len(train_dataset),
        len(dev_dataset),
        pos_weight,
    )

    trainer = WeightedLossTrainer(
        model=model,
        args=arguments,
        train_dataset=train_dataset,
        eval_dataset=dev_dataset,
        data_collator=WindowCollator(tokenizer, page.max_length),
        compute_metrics=dev_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=options.early_stopping_patience)],
        pos_weight=pos_weight,
        head_learning_rate=options.head_learning_rate,
        train_batches=token_batches(train_dataset, options, page) if options.sampling == "by_tokens" else None,
    )
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from is not None else None)

    # Thresholds are tuned on dev as inference reads it (each segment answered by one window). Every process
    # scores all of dev with the same weights, so the thresholds agree.
    untuned = ModelMetadata(name=options.model_name, version=options.model_version, backbone=backbone, page=page)
    trainer.model.eval()
    scorer = Predictor(
        trainer.model, tokenizer, untuned, device=trainer.model.device, batch_size=options.eval_batch_size
    )
    dev_scores = score_documents(scorer, dev_documents)
    dev_gold = gold_matrix(dev_documents)
    thresholds = tune_thresholds(dev_gold, dev_scores)
    tuned = compute_metrics(dev_gold, apply_thresholds(dev_scores, thresholds), dev_scores)
    metadata = untuned.model_copy(update={"thresholds": thresholds})
    result = TrainingResult(
        output_dir=output_dir,
        thresholds=thresholds,
        dev_metrics={BEST_METRIC: tuned.macro_f1_acts, "f1_boilerplate": tuned.boilerplate_f1},
        epochs_run=trainer.state.epoch or 0.0,
        losses=[entry["loss"] for entry in trainer.state.log_history if "loss" in entry],
        main_process=trainer.is_world_process_zero(),
    )
    record = {
        "train_files": [str(path) for path in train_files],
        "corpus_files": [str(path) for path in corpus_files or []],
        "train_files_repeated": repeats,
        "dev_files": [str(path) for path in dev_files],
        "train_documents": len(train_documents),
        "train_segments": len(train_gold),
        "train_windows": len(train_dataset),
        "train_languages": dict(Counter(document.lang for document in train_documents).most_common()),
        "train_domains": len({document.domain for document in train_documents if document.domain}),
        "dev_documents": len(dev_documents),
        "dev_segments": len(dev_gold),
        "init_from": str(init_from) if init_from else None,
        "resumed_from": str(resume_from) if resume_from is not None else None,
        "epochs_run": result.epochs_run,
        "best_checkpoint": trainer.state.best_model_checkpoint,
        "dev_metrics": result.dev_metrics,
        "seconds": round(time.monotonic() - started, 1),
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "mixed_precision": next(iter(_mixed_precision(options.mixed_precision)), "fp32"),
        "threads": torch.get_num_threads(),
        "processes": arguments.world_size,
        "settings": options.model_dump(mode="json"),
    }
    if result.main_process:
        _save_model(trainer.model, tokenizer, metadata, record, output_dir, fp16=options.save_fp16)
    # The others return once the folder is in place (and after an error in the main process, not at all:
    # torchrun then stops them).
    trainer.accelerator.wait_for_everyone()
    return result


def data_repeats(data_pages: int, corpus_pages: int, share: float) -> int:
    """How many times an epoch reads the pages of ``--data`` beside a corpus, so that they make at least ``share``
    of its pages: a few pages of a user's own would otherwise be lost among the corpus's."""
    if not corpus_pages or not data_pages or share == 0:
        return 1
    return max(1, math.ceil(share * corpus_pages / ((1 - share) * data_pages)))


def _check_no_shared_ids(data: list[Document], corpus: list[Document]) -> None:
    shared = {document.doc_id for document in data} & {document.doc_id for document in corpus}
    if shared:
        raise ValueError(f"doc_id {min(shared)!r} is both in --data and in the corpus: give each page its own id")


def last_complete_checkpoint(folder: Path) -> Path | None:
    """The Trainer checkpoint with the highest step whose ``trainer_state.json`` (written last) is readable.

    A run killed while it wrote a checkpoint leaves one without that file, or with a truncated one: it is
    skipped, and the run resumes from the checkpoint before it. None when there is no complete one.
    """
    if not folder.is_dir():
        return None
    steps = sorted(
        (
            (int(path.name.removeprefix("checkpoint-")), path)
            for path in folder.glob("checkpoint-*")
            if path.is_dir() and path.name.removeprefix("checkpoint-").isdigit()
        ),
        reverse=True,
    )
    for _, path in steps:
        try:
            json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("skipping the incomplete checkpoint %s (no readable trainer_state.json)", path)
            continue
        return path
    return None


def _starting_point(
    options: TrainingSettings, page: PageSettings, init_from: Path | None
) -> tuple[str, PageSettings, str]:
    """(folder to load, page settings, backbone description) for a new or a continued model."""
    if init_from is None:
        source = training_backbone(options.backbone, options.keep_pieces)
        return source, page, options.backbone
    if not (init_from / CONFIG_FILE).is_file():
        raise ModelLoadError(f"--init-from {init_from}: not a model folder (no {CONFIG_FILE})")
    config = AutoConfig.from_pretrained(init_from)
    check_labels(config, init_from)
    try:
        metadata = read_metadata(config)
    except MetadataError as error:
        raise ModelLoadError(f"--init-from {init_from}: {error}") from error
    if metadata is None:
        raise ModelLoadError(f"--init-from {init_from}: not a Parley model (its config has no 'parley' metadata)")
    # A continued model keeps the windows it learnt.
    return str(init_from), metadata.page, metadata.backbone


def _training_arguments(options: TrainingSettings, checkpoints: Path) -> TrainingArguments:
    return TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=options.epochs,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=options.batch_size,
        # by_tokens batches are made by WeightedLossTrainer.get_train_dataloader.
        train_sampling_strategy="random" if options.sampling == "by_tokens" else options.sampling,
        per_device_eval_batch_size=options.eval_batch_size,
        gradient_accumulation_steps=options.gradient_accumulation_steps,
        weight_decay=options.weight_decay,
        warmup_steps=options.warmup_ratio,  # a float below 1 is a share of the steps
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model=BEST_METRIC,
        # The windows' segment_ids and labels are not arguments of the model: the collator and loss need them.
        remove_unused_columns=False,
        label_names=["labels"],
        greater_is_better=True,
        logging_steps=options.logging_steps,
        seed=options.seed,
        data_seed=options.seed,
        report_to=[],
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        **_mixed_precision(options.mixed_precision),
    )


def _mixed_precision(enabled: bool) -> dict[str, bool]:
    """fp16 autocast on CUDA; bf16 autocast on a CPU with native bf16 matrix units
    (AVX512-BF16 or AMX: steps 1.55x faster than fp32 on the project's 2-core
    machine); fp32 elsewhere, where emulated bf16 would be slower."""
    if not enabled:
        return {}
    if torch.cuda.is_available():
        return {"fp16": True}
    if torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return {"bf16": True}
    return {}


def _save_model(model, tokenizer, metadata: ModelMetadata, record: dict, output_dir: Path, *, fp16: bool) -> None:
    """Write the model folder (weights, tokenizer, training record, card) next to its
    destination, then rename it into place."""
    write_metadata(model.config, metadata)
    with staged_folder(output_dir) as staging:
        (model.half() if fp16 else model).save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / TRAINING_RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
        write_model_card(staging)
