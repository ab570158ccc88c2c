"""The pure pieces of the benchmark suite (bench/bench_*.py): percentiles, the FLOPs formula, batching
arithmetic, the report. No timing is asserted anywhere."""

import json
from pathlib import Path

import pytest

from bench import bench_efficiency, bench_latency, bench_report, bench_server, bench_throughput

E5_SMALL = bench_efficiency.EncoderShape(layers=12, hidden=384, intermediate=1536, labels=5)


def test_percentiles_interpolate_between_ranks():
    values = list(range(1, 101))  # 1..100
    found = bench_latency.percentiles(values)
    assert found["p50"] == pytest.approx(50.5)
    assert found["p95"] == pytest.approx(95.05)
    assert found["p99"] == pytest.approx(99.01)
    assert bench_latency.percentiles([7.0]) == {"p50": 7.0, "p95": 7.0, "p99": 7.0}
    assert bench_latency.percentiles([3, 1, 2], (0, 100)) == {"p0": 1.0, "p100": 3.0}


def test_percentiles_refuse_nothing_and_out_of_range():
    with pytest.raises(ValueError):
        bench_latency.percentiles([])
    with pytest.raises(ValueError):
        bench_latency.percentiles([1.0], (101,))


def test_flops_per_token_of_e5_small():
    # 12 layers x 2 x (4*384^2 + 2*384*1536): QKV, output, and the two feed-forward matmuls.
    assert bench_efficiency.linear_flops_per_token(E5_SMALL) == 42_467_328
    # Q.K^T and attention.V: 12 layers x 2 matmuls x 2 FLOPs x 384 per position attended to.
    assert bench_efficiency.attention_flops_per_token(E5_SMALL, 1) == 18_432
    # The classifier runs on every token (segments are pooled from its logits); there is no pooler.
    assert bench_efficiency.classifier_flops_per_token(E5_SMALL) == 2 * 384 * 5
    length = 100
    assert bench_efficiency.sequence_flops(E5_SMALL, length) == length * (42_467_328 + 18_432 * length + 2 * 384 * 5)
    assert bench_efficiency.sequence_flops(E5_SMALL, 0) == 0


def test_flops_formula_matches_the_model_parameters(tiny_model_dir):
    """2 FLOPs per encoder weight touched per token: the linear term is twice the encoder's matmul weights."""
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(tiny_model_dir)
    shape = bench_efficiency.EncoderShape.from_config(model.config)
    weights = sum(
        module.weight.numel()
        for name, module in model.bert.encoder.named_modules()
        if module.__class__.__name__ == "Linear"
    )
    assert bench_efficiency.linear_flops_per_token(shape) == 2 * weights


def test_batched_work_pads_sorted_batches_like_the_predictor():
    shape = bench_efficiency.EncoderShape(layers=1, hidden=2, intermediate=4, labels=1)
    work = bench_efficiency.batched_work(shape, [5, 1, 3, 2], batch_size=2)
    # Sorted: [1, 2] padded to 2, [3, 5] padded to 5.
    assert work.batches == 2 and work.windows == 4
    assert work.tokens == 11
    assert work.padded_tokens == 2 * 2 + 2 * 5
    assert work.padding_fraction == pytest.approx(1 - 11 / 14)
    flops = bench_efficiency.sequence_flops
    assert work.useful_flops == sum(flops(shape, n) for n in (1, 2, 3, 5))
    assert work.executed_flops == 2 * flops(shape, 2) + 2 * flops(shape, 5)
    assert (work + work).tokens == 22 and (work + work).batches == 4
    with pytest.raises(ValueError):
        bench_efficiency.batched_work(shape, [1], batch_size=0)


def test_batched_work_keeps_the_predictors_token_and_padding_caps():
    shape = bench_efficiency.EncoderShape(layers=1, hidden=2, intermediate=4, labels=1)
    lengths = [100, 100, 100, 100, 100, 100, 10, 10, 10, 12, 300]
    work = bench_efficiency.batched_work(shape, lengths, 32, max_tokens=512, max_padding=0.10)
    # [10, 10, 10] (12 would pad 13 %), [12], five 100s (512 tokens at most), [100], [300].
    assert work.batches == 5 and work.windows == len(lengths) and work.tokens == sum(lengths)
    assert work.padded_tokens == 3 * 10 + 12 + 5 * 100 + 100 + 300 == work.tokens
    assert work.executed_flops == work.useful_flops
    plain = bench_efficiency.batched_work(shape, lengths, 32)  # no caps: one batch padded to 300
    assert plain.batches == 1 and plain.padded_tokens == len(lengths) * 300


def test_efficiency_is_useful_flops_over_time_against_the_peak():
    work = bench_efficiency.BatchedWork(
        batches=1, windows=2, tokens=10, padded_tokens=20, useful_flops=4e9, executed_flops=8e9
    )
    figures = bench_efficiency.efficiency(work, seconds=2.0, peak_gflops=10.0)
    assert figures["achieved_gflops"] == pytest.approx(2.0)
    assert figures["executed_gflops"] == pytest.approx(4.0)
    assert figures["fraction_of_peak"] == pytest.approx(0.2)
    assert figures["padding_fraction"] == pytest.approx(0.5)


def test_chunks_cover_every_document_once():
    assert [list(chunk) for chunk in bench_throughput.chunks(5, 2)] in ([[0, 1], [2, 3, 4]], [[0, 1, 2], [3, 4]])
    assert [len(chunk) for chunk in bench_throughput.chunks(3, 10)] == [1, 1, 1]
    assert sum(len(chunk) for chunk in bench_throughput.chunks(200, 5)) == 200


def test_interleaved_contenders_see_the_same_pages():
    import numpy as np

    seen = {"a": [], "b": []}

    def contender(name):
        def run(pages):
            seen[name].extend(pages)
            return np.zeros((sum(len(page) for page in pages), 5), dtype=np.float32)

        return run

    pages = [["s1", "s2"], ["s3"], ["s4"]]
    measured = bench_throughput.interleaved({"a": contender("a"), "b": contender("b")}, pages, rounds=2)
    assert seen["a"] == seen["b"] == pages
    assert measured["a"]["segments"] == 4 and measured["a"]["scores"].shape == (4, 5)


def test_pages_of_documents_are_the_pages_the_model_reads():
    from training.data import Document, LabelledSegment

    def segment(text: str, context: str | None = None) -> LabelledSegment:
        return LabelledSegment(text=text, boilerplate=False, context=context)

    documents = [
        Document(doc_id="a", segments=[segment("Un."), segment("Deux.")]),
        Document(doc_id="b", segments=[segment("Trois."), segment("Quatre.", context="Avant.")]),
    ]
    # A segment with its own context is a page of its own, the context first (training.pages).
    assert bench_throughput.pages_of(documents) == [["Un.", "Deux."], ["Trois."], ["Avant.", "Quatre."]]


def test_predictor_contender_gives_the_rows_of_score_pages(tiny_model_dir):
    import numpy as np

    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu")
    pages = [["La direction propose une prime.", "Le syndicat refuse."], ["Accueil Monde Sport"]]
    rows = bench_throughput.predictor_contender(predictor)(pages)
    np.testing.assert_allclose(rows, np.concatenate(predictor.score_pages(pages)))
    assert rows.shape == (3, 5)


def test_naive_contender_calls_the_pipeline_once_per_segment_alone(tiny_model_dir):
    classifier = bench_throughput.naive_pipeline(tiny_model_dir)
    calls = []

    def recorded(text, **options):
        calls.append((text, options))
        return classifier(text, **options)

    pages = [["La direction propose une prime.", "Le syndicat refuse."], ["Accueil Monde Sport"]]
    rows = bench_throughput.naive_contender(recorded, max_length=64)(pages)
    assert [text for text, _ in calls] == [segment for page in pages for segment in page]
    assert all(options == {"truncation": True, "max_length": 64} for _, options in calls)
    assert rows.shape == (3, 5) and ((rows >= 0) & (rows <= 1)).all()


def test_predictor_work_counts_the_batches_the_predictor_runs(tiny_model_dir):
    """The windows, tokens and padded batches of ``predictor_work`` are those the scorer is given."""
    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu", batch_size=4)
    batches = []
    logits = predictor.scorer.logits

    def recording(batch):
        batches.append(batch["attention_mask"])
        return logits(batch)

    predictor.scorer.logits = recording
    pages = [
        [("La direction propose une prime. " * (index % 3 + 1)).strip() for index in range(count)]
        for count in (1, 3, 9, 14)
    ]
    shape = bench_efficiency.EncoderShape(layers=1, hidden=2, intermediate=4, labels=5)
    for rounds in (1, 2):
        batches.clear()
        for chunk in bench_throughput.chunks(len(pages), rounds):
            predictor.score_pages([pages[index] for index in chunk])
        work = bench_throughput.predictor_work(predictor, shape, pages, rounds)
        assert work.batches == len(batches) > rounds  # the tiny model's pages take several windows
        assert work.windows == sum(len(mask) for mask in batches)
        assert work.tokens == sum(int(mask.sum()) for mask in batches)
        assert work.padded_tokens == sum(mask.size for mask in batches)


def test_select_documents_is_deterministic_and_in_file_order(tmp_path):
    lines = [
        json.dumps(
            {
                "doc_id": f"d{index}",
                "lang": "fr",
                "segments": [{"text": f"Phrase {index}.", "boilerplate": False, "acts": []}],
            }
        )
        for index in range(10)
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = [document.doc_id for document in bench_throughput.select_documents([path], 4, seed=0)]
    assert first == [document.doc_id for document in bench_throughput.select_documents([path], 4, seed=0)]
    assert first == sorted(first, key=lambda doc_id: int(doc_id[1:])) and len(set(first)) == 4
    assert len(bench_throughput.select_documents([path], 50)) == 10


def test_write_config_overrides_and_validates(tmp_path):
    from parley.config import DEFAULT_CONFIG_PATH, load_settings

    target = bench_server.write_config(
        DEFAULT_CONFIG_PATH, tmp_path / "serve.yaml", {"inference": {"threads": 2, "backend": "onnx"}}
    )
    settings = load_settings(target)
    assert settings.inference.threads == 2 and settings.inference.backend == "onnx"
    assert settings.serving == load_settings(DEFAULT_CONFIG_PATH).serving


def test_proc_status_reads_this_process_memory():
    import os

    if not Path(f"/proc/{os.getpid()}/status").exists():
        pytest.skip("no /proc")
    assert bench_server.proc_status_kib(os.getpid(), "VmRSS") > 0
    assert bench_server.proc_status_kib(os.getpid(), "NoSuchField") is None


def _results() -> dict:
    row = {
        "segments": 10,
        "f1": dict.fromkeys(bench_report.LABELS, 0.5),
        "macro_f1_acts": 0.5,
        "micro_f1_acts": 0.5,
        "boilerplate_f1": 0.9,
        "seconds": 1.0,
    }
    return {
        "machine": {"cpu": "Test CPU", "date_utc": "2026-01-01 00:00 UTC", "versions": {"torch": "2.13.0"}},
        "settings": {"model": "models/default", "exports": {"int8": "x.onnx"}, "threads": 2, "batch_size": 32},
        "accuracy": {
            "test": {"documents": 1, "segments": 10, "rows": {"keyword rules": row}, "agreement": {}},
            "realdev": {"missing": "realdev is not present"},
        },
        "throughput": {
            "documents": 2,
            "seed": 0,
            "segments": 10,
            "rows": [
                {"name": "naive", "seconds": 2.0, "segments_per_second": 5.0, "vs_naive": 1.0, "vs_predictor": 0.25},
                {"name": "predictor", "seconds": 0.5, "segments_per_second": 20.0, "vs_naive": 4.0, "vs_predictor": 1},
            ],
            "details": ["a detail"],
        },
        "latency": {
            "segments": 40,
            "characters": 2000,
            "runs": [
                {
                    "concurrency": 1,
                    "requests": 200,
                    "p50": 100.0,
                    "p95": 120.0,
                    "p99": 130.0,
                    "mean_ms": 101.0,
                    "max_ms": 140.0,
                    "requests_per_second": 9.9,
                }
            ],
        },
        "memory": {"load_seconds": {"server": 3.0}, "peak_rss_mib_sampled": 700.0, "clients": 32},
        "gpu": {"measured": False, "reason": "no CUDA here"},
        "targets": [{"name": "speed", "measured": "4.00×", "target": "≥ 4×", "met": True}],
        "duration_seconds": 12.0,
    }


def test_report_writes_markdown_tables_and_json(tmp_path):
    import numpy as np

    results = _results()
    results["throughput"]["rows"][0]["scores_mean"] = np.float32(0.5)
    markdown, data = tmp_path / "RESULTS.md", tmp_path / "results.json"
    bench_report.write_results(results, markdown, data)
    text = markdown.read_text(encoding="utf-8")
    assert "| keyword rules | 0.500 | 0.900 | 0.500 | 0.500 | 0.500 | 0.500 |" in text
    assert "| predictor | 20.0 | 0.5 | 4.00× | 1.00× |" in text
    assert "| 1 | 200 | 100.0 | 120.0 | 130.0 |" in text
    assert "No GPU was measured in this run: no CUDA here." in text
    assert "**met**" in text and "Test CPU" in text
    assert "## 4. Compute efficiency\n\nNot measured in this run." in text
    assert "### `../shared/realdev/docs.jsonl`\n\nrealdev is not present" in text
    loaded = json.loads(data.read_text(encoding="utf-8"))
    assert loaded["throughput"]["rows"][0]["scores_mean"] == 0.5
    assert loaded["latency"]["runs"][0]["p99"] == 130.0


def test_realdev_targets_judge_the_served_model_its_margin_and_the_pair_model(tmp_path, monkeypatch):
    from bench import run

    def row(acts: float, boilerplate: float) -> dict:
        return {"macro_f1_acts": acts, "boilerplate_f1": boilerplate}

    pair_record = tmp_path / "realdev-metrics.json"
    pair_record.write_text(json.dumps(row(0.50, 0.81)), encoding="utf-8")
    monkeypatch.setattr(run, "PAIR_RECORD", pair_record)
    realdev = {
        "rows": {
            "keyword rules": row(0.50, 0.70),
            "model, ONNX int8": row(0.71, 0.87),
            "model, torch fp32": row(0.72, 0.80),
        }
    }
    targets = {target["name"]: target for target in run._realdev_targets(realdev)}
    assert targets["realdev: acts macro-F1 (model, ONNX int8)"]["met"] is True
    assert targets["realdev: boilerplate F1 (model, ONNX int8)"]["met"] is False
    assert targets["realdev: acts macro-F1 above the keyword baseline"]["measured"] == "+0.210"
    assert targets["realdev: acts macro-F1 above the keyword baseline"]["met"] is True
    above = targets["realdev: acts macro-F1 above the pair model 2.0.0 (torch fp32 both, thresholds by the same rule)"]
    assert above["measured"] == "0.720 against 0.500" and above["met"] is True
    assert (
        targets["realdev: boilerplate F1 above the pair model 2.0.0 (torch fp32 both, thresholds by the same rule)"][
            "met"
        ]
        is False
    )
    assert run._realdev_targets({"missing": "not here"}) == []


def test_speed_targets_read_the_service_the_pair_predictor_and_the_latency(tmp_path, monkeypatch):
    from bench import run

    speed = tmp_path / "predictor_speed.json"
    speed.write_text(
        json.dumps(
            {
                "pair": {"kind": "pair", "segments_per_second_best": 50.0},
                "page": {"kind": "page", "segments_per_second_best": 120.0},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(run, "PREDICTOR_SPEED", speed)
    results = {
        "throughput": {"rows": [{"name": "service", "concurrency": 8, "vs_naive": 4.5, "vs_predictor": 0.7}]},
        "latency": {"segments": 40, "runs": [{"concurrency": 1, "p95": 380.0}, {"concurrency": 8, "p95": 900.0}]},
        "accuracy": {"test": {"agreement": {"model, ONNX int8": {"label_agreement": 0.985}}}},
    }
    targets = {target["name"]: target for target in run._targets(results)}
    assert targets["HTTP service at 8 clients against the naive pipeline"] == {
        "name": "HTTP service at 8 clients against the naive pipeline",
        "measured": "4.50×",
        "target": "≥ 4×",
        "met": True,
    }
    assert targets["HTTP service at 8 clients against the predictor alone"]["met"] is False
    assert targets["predictor (ONNX int8) against the pair model's predictor"]["measured"] == "2.40×"
    assert targets["p95 latency of a 40-segment page, 1 client"]["met"] is True
    assert targets["test: ONNX int8 label agreement with torch"]["met"] is False


def test_report_says_what_was_not_measured():
    text = bench_report.render({})
    for section in ("1. Accuracy", "2. Throughput", "3. Latency", "4. Compute efficiency", "5. Memory"):
        assert f"## {section}" in text
    assert "## 8. Load and soak" in text
    assert text.count("Not measured in this run.") == 6
    assert "No GPU was measured in this run" in text


def _soak() -> dict:
    return {
        "command": "make bench",
        "when": "2026-01-01 00:00 UTC",
        "machine": "x86_64, 2 CPUs",
        "model": "models/default",
        "backend": "onnx",
        "clients": 32,
        "profile": "short",
        "profile_text": "70 % one sentence",
        "requests_planned": 20000,
        "max_seconds": 1800.0,
        "warmup_requests": 300,
        "requests": 12000,
        "seconds": 1800.2,
        "requests_per_second": 6.7,
        "segments_scored": 15000,
        "statuses": {"200": 11000, "422": 1000},
        "server_errors_5xx": 0,
        "dropped": 0,
        "wrong_answers": 1,
        "problem_examples": ["status 200, expected 422"],
        "latency": {"p50_ms": 2600.0, "p95_ms": 4300.0, "p99_ms": 5900.0, "max_ms": 7000.0},
        "latency_by_kind": {"short": {"requests": 8400, "p50_ms": 2700.0, "p95_ms": 4200.0, "p99_ms": 5700.0}},
        "memory_mib": {
            "ready": 420.0,
            "after_warmup": 450.0,
            "peak_during_run": 460.0,
            "after_run": 456.0,
            "growth_after_run_vs_warmup": 0.0133,
        },
        "checks": {"no 5xx": True, "every answer as expected": False},
        "passed": False,
    }


def test_soak_section_gives_checks_statuses_percentiles_memory_and_the_budget_stop():
    text = bench_report.load_soak_section(_soak())
    assert text.startswith("## 8. Load and soak")
    assert "**12,000 measured requests** in 1800.2 s" in text
    assert "20000 planned, sending stopped at the 1800 s budget" in text
    assert "| no 5xx | pass |" in text and "| every answer as expected | **FAIL** |" in text
    assert "| all | 12000 | 2,600.0 | 4,300.0 | 5,900.0 | 7,000.0 |" in text
    assert "| short | 8400 | 2,700.0 | 4,200.0 | 5,700.0 | n/a |" in text
    assert "(+1.3% against after warm-up)" in text
    assert "- status 200, expected 422" in text


def test_soak_latency_uses_the_bench_percentiles():
    from bench import load_soak

    figures = load_soak.latency_ms([0.1, 0.2, 0.3, 0.4, 0.5])
    assert figures == {"p50_ms": 300.0, "p95_ms": 480.0, "p99_ms": 496.0, "max_ms": 500.0, "mean_ms": 300.0}
    assert load_soak.latency_ms([]) == {}


def test_jsonable_turns_keys_arrays_and_nan_into_json():
    import numpy as np

    assert bench_report._jsonable({1: np.array([1.5, np.nan]), "p": Path("a/b")}) == {"1": [1.5, None], "p": "a/b"}


def test_profile_finds_every_phase_of_score_pages(tiny_model_dir):
    """Each phase's function is found in cProfile's stats (a renamed function would leave its phase at 0)."""
    from bench import bench_profile
    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu")
    pages = [["La direction propose une prime.", "Le syndicat refuse."] * 4, ["Accueil Monde Sport"]]
    seconds = bench_profile.phase_seconds(predictor, pages)
    assert set(seconds) == {"tokenize", "pad", "forward", "other"}
    assert all(seconds[phase] > 0 for phase in ("tokenize", "pad", "forward"))


# The predictor's batching on the CPU, which the benchmark's profile led to (RESULTS.md, section 7).


def test_length_batches_without_limits_are_plain_sorted_batches():
    from model.predictor import length_batches

    lengths = [5, 1, 4, 2, 3]
    assert length_batches(lengths, 2) == [[1, 3], [4, 2], [0]]
    assert length_batches([], 4) == []


def test_length_batches_keep_padded_tokens_and_padding_under_their_limits():
    from model.predictor import length_batches

    lengths = [100, 100, 100, 100, 100, 100, 10, 10, 10, 12, 300]
    batches = length_batches(lengths, 32, max_tokens=512, max_padding=0.10)
    assert sorted(index for batch in batches for index in batch) == list(range(len(lengths)))
    for batch in batches:
        longest = max(lengths[index] for index in batch)
        if len(batch) > 1:
            assert len(batch) * longest <= 512
            assert len(batch) * longest - sum(lengths[index] for index in batch) <= 0.10 * len(batch) * longest
    assert [10, 10, 10] in [[lengths[index] for index in batch] for batch in batches]  # 12 would pad 13 %
    assert [300] in [[lengths[index] for index in batch] for batch in batches]
    assert length_batches([600, 700], 32, max_tokens=512) == [[0], [1]]  # a row longer than the budget: alone


def test_cpu_batching_gives_the_scores_of_plain_batches(tiny_model_dir):
    import numpy as np

    from model.predictor import Predictor

    predictor = Predictor.from_pretrained(tiny_model_dir, device="cpu", batch_size=32)
    assert predictor.max_batch_tokens is not None and predictor.max_padding is not None
    pages = [
        [("La direction propose une prime. " * (index % 7 + 1)).strip() for index in range(start, start + 8)]
        for start in range(0, 40, 8)
    ]
    scores = predictor.score_pages(pages)
    predictor.max_batch_tokens = predictor.max_padding = None
    for batched, plain in zip(scores, predictor.score_pages(pages), strict=True):
        np.testing.assert_allclose(plain, batched, atol=1e-5)


# bench/training_sweep.py: its variants and its cost, without training.


def test_training_sweep_variants_are_valid_settings():
    from bench import training_sweep
    from parley.config import Settings

    for overrides in training_sweep.VARIANTS.values():
        settings = training_sweep.with_overrides(Settings(), overrides)
        for dotted, value in overrides.items():
            section, key = dotted.split(".")
            assert getattr(getattr(settings, section), key) == value


def test_training_sweep_counts_the_padded_tokens_of_the_trainers_window_batches(tiny_model_dir):
    from transformers import AutoTokenizer

    from bench import training_sweep
    from parley.config import Settings
    from training.data import Document, LabelledSegment
    from training.train import WindowCollator, build_dataset

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    documents = [
        Document(
            doc_id=f"d{index}",
            segments=[
                LabelledSegment(text="La direction propose une prime aux contrôleurs.", boilerplate=False)
                for _ in range(3 + 7 * index)
            ],
        )
        for index in range(8)
    ]
    settings = Settings()
    lengths = [len(ids) for ids in build_dataset(tokenizer, documents, settings.page)["input_ids"]]
    multiple = WindowCollator.PAD_MULTIPLE
    assert len(set(-(-length // multiple) for length in lengths)) > 1  # windows of several padded lengths

    def cost(**training) -> int:
        training = {"sampling": "random", "alone_share": 0.0, **training}
        changed = settings.model_copy(update={"training": settings.training.model_copy(update=training)})
        return training_sweep.padded_tokens_per_epoch(changed, documents, tokenizer)

    # One window a batch: each padded alone, to a multiple of the collator's.
    assert cost(batch_size=1) == sum(-(-length // multiple) * multiple for length in lengths)
    # Every window in one batch: all padded to the longest.
    assert cost(batch_size=len(lengths)) == len(lengths) * -(-max(lengths) // multiple) * multiple
    # Batches by tokens hold windows of one padded length: none is padded beyond its own.
    assert cost(batch_size=2, sampling="by_tokens") == sum(-(-length // multiple) * multiple for length in lengths)


def test_the_ablation_report_is_a_section_with_its_headings_one_level_down():
    markdown = "# Pair model against page model\n\n## data/test.jsonl\n\n| model |\n|---|\n"
    text = bench_report.render({"ablation": {"source": "bench/results/page_vs_pair.md", "markdown": markdown}})
    assert "## 9. Pair model against page model (from `bench/results/page_vs_pair.md`)" in text
    assert "\n### data/test.jsonl\n\n| model |" in text
    assert "## 9." not in bench_report.render({})


def test_the_feedback_loop_gives_the_user_a_third_of_the_pages_spread_over_domains():
    from bench.feedback_loop import page_corrections, split_user_pages
    from training.data import Document, LabelledSegment

    documents = [
        Document(
            doc_id=f"rd-{domain}-{number:03d}",
            lang="fr",
            segments=(
                LabelledSegment(text=f"Menu {domain}{number}", boilerplate=True),
                LabelledSegment(text=f"Offre {domain}{number}.", boilerplate=False, acts=("proposal", "condition")),
            ),
        )
        for domain in "abcd"
        for number in range(1, 31)
    ]
    user, held_out = split_user_pages(list(reversed(documents)))
    assert len(user) == 40 and len(held_out) == 80
    assert {d.doc_id for d in user}.isdisjoint(d.doc_id for d in held_out)
    assert sorted(sum(d.doc_id.startswith(f"rd-{x}") for d in user) for x in "abcd") == [10, 10, 10, 10]
    body = page_corrections(user[0])
    assert body["items"][1] == {
        "text": user[0].segments[1].text,
        "boilerplate": False,
        "acts": ["proposal", "condition"],
        "context": [s.text for s in user[0].segments],
        "language": "fr",
    }
