"""Every Parley benchmark in one run: accuracy, throughput, latency, compute efficiency, memory, a load and
soak test (and a GPU table when there is one). Writes benchmarks/RESULTS.md and benchmarks/results.json.

    python benchmarks/run.py [--docs 200] [--latency-requests 200] [--soak-requests 20000] [--threads N]
                             [--skip latency,gpu,soak]

`make bench` runs it after building the two ONNX exports it needs: int8 in
models/default/onnx/ (the one `make serve` uses) and fp32 in build/bench/onnx-fp32/.
Smaller runs for development: `--docs 20 --latency-requests 20 --rounds 2 --soak-requests 200`.

Machine-dependent figures are given as ratios of contenders measured side by
side in this run, with the absolute numbers beside them. See the modules:
bench_accuracy, bench_throughput, bench_latency, bench_efficiency,
bench_server (the `parley serve` process and the HTTP clients), bench_gpu,
bench_optimisation, bench_machine, bench_report and load_soak.

Score agreements compare real model scores only (torch fp32 against the ONNX
exports). The naive pipeline is timed but its scores are not compared: it reads
the model folder as a sequence classifier, whose pooler the page model does not
have (random weights), so its cost is the naive cost but its scores are noise.
"""

import argparse
import json
import logging
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# The repository root for model/, training/, parley/; this folder for the sibling bench_* modules. Never
# `import benchmarks`: pysbd installs a top-level package of that name.
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

import bench_accuracy  # noqa: E402
import bench_efficiency  # noqa: E402
import bench_gpu  # noqa: E402
import bench_latency  # noqa: E402
import bench_machine  # noqa: E402
import bench_optimisation  # noqa: E402
import bench_report  # noqa: E402
import bench_server  # noqa: E402
import bench_throughput  # noqa: E402
import load_soak  # noqa: E402
from realdev import load_realdev, missing_note  # noqa: E402

from model.folder import FP32_FILE, stale_export_reason  # noqa: E402
from model.predictor import Predictor  # noqa: E402
from parley.config import DEFAULT_CONFIG_PATH, load_settings  # noqa: E402
from training.data import read_documents  # noqa: E402

SECTIONS = ("accuracy", "throughput", "service", "latency", "efficiency", "gpu", "optimisation", "soak")
NAIVE = "naive pipeline (torch fp32, batch 1)"
TORCH = "Parley predictor (torch fp32, sorted batches)"
PREDICTOR = "Parley predictor (ONNX int8, sorted batches)"
SERVICE = "HTTP service (ONNX int8)"
RSS_TARGET_MIB = 1.5e9 / 2**20
# The ablation of issue 18 (benchmarks/page_vs_pair.py): the pair model's realdev record, both predictors' speed.
ABLATION_DIR = BENCH_DIR / "results" / "page_vs_pair"
# The pair model, its thresholds tuned by the same rule as the model's (pair-2.0.0-same-threshold-rule/README.md).
PAIR_RECORD = ABLATION_DIR / "pair-2.0.0-same-threshold-rule" / "realdev-metrics.json"
PREDICTOR_SPEED = ABLATION_DIR / "predictor_speed.json"
ABLATION_REPORT = BENCH_DIR / "results" / "page_vs_pair.md"
SOAK_CLIENTS = 32

log = logging.getLogger("bench")


def main() -> None:
    args = _arguments()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("httpx", "transformers", "model.predictor"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.perf_counter()
    skip = set(args.skip)
    settings = load_settings(args.config)
    threads = settings.inference.threads if args.threads is None else args.threads
    batch_size = args.batch_size or settings.inference.batch_size
    results: dict = {"machine": bench_machine.machine_info(ROOT)}
    if ABLATION_REPORT.is_file():  # written by benchmarks/page_vs_pair.py; shown as it is
        results["ablation"] = {
            "source": str(ABLATION_REPORT.relative_to(ROOT)),
            "markdown": ABLATION_REPORT.read_text(),
        }

    def save() -> None:
        """Write what is measured so far: a run cut short still leaves its figures."""
        results["targets"] = _targets(results)
        results["duration_seconds"] = time.perf_counter() - started
        bench_report.write_results(results, args.out_md, args.out_json)

    _check_fp32_export(args.fp32_export, args.model)

    # Load every predictor, timed (imports are done; the files may be in the page cache).
    options = {"device": "cpu", "threads": threads, "batch_size": batch_size}
    load_seconds, predictors = {}, {}
    for name, path, backend in (
        ("ONNX int8", args.model, "onnx"),
        ("ONNX fp32", args.fp32_export, "onnx"),
        ("torch fp32", args.model, "torch"),
    ):
        begun = time.perf_counter()
        predictors[name] = Predictor.from_pretrained(path, backend=backend, **options)
        load_seconds[f"Predictor.from_pretrained, {name} (in this process)"] = time.perf_counter() - begun
    int8 = predictors["ONNX int8"]
    shape = bench_efficiency.EncoderShape.from_config(predictors["torch fp32"].model.config)
    results["settings"] = {
        "command": " ".join(shlex.quote(part) for part in sys.argv),
        "model": str(args.model),
        "model_name": f"{int8.metadata.name} {int8.metadata.version}",
        "exports": {"int8": str(int8.scorer.path), "fp32": str(predictors["ONNX fp32"].scorer.path)},
        "threads": threads,
        "threads_label": f"{threads}" if threads else "0 (library defaults)",
        "batch_size": batch_size,
        "max_batch_size": settings.serving.max_batch_size,
        "max_wait_ms": settings.serving.max_wait_ms,
        "docs": args.docs,
        "rounds": args.rounds,
        "skipped": sorted(skip),
    }

    splits = {split: read_documents([args.data / f"{split}.jsonl"]) for split in ("train", "dev", "test")}
    if "accuracy" not in skip:
        log.info("accuracy: baselines and the model on %d test documents and realdev", len(splits["test"]))
        results["accuracy"] = _accuracy(splits, predictors, settings)
        save()

    peak = None
    if "efficiency" not in skip:
        log.info("efficiency: matmul peaks")
        peaks = bench_efficiency.measure_peaks(shape, threads, seconds=args.peak_seconds)
        peak = peaks["fp32_square"]["best_gflops"]
        results["efficiency"] = {
            "shape": shape.to_dict(),
            "linear_mflops_per_token": bench_efficiency.linear_flops_per_token(shape) / 1e6,
            "attention_kflops_per_token_per_position": bench_efficiency.attention_flops_per_token(shape, 1) / 1e3,
            "peaks": peaks,
            "peak_name": "torch fp32 matmul 2048×2048×2048",
            "peak_gflops": peak,
            "predictors": {},
            "details": [],
        }

    documents = bench_throughput.select_documents(
        [args.data / f"{split}.jsonl" for split in ("test", "dev", "train")], args.docs, args.seed
    )
    pages = bench_throughput.pages_of(documents)
    measured = None
    if "throughput" not in skip:
        classifier = bench_throughput.naive_pipeline(args.model)
        contenders = {NAIVE: bench_throughput.naive_contender(classifier, int8.metadata.page.max_length)}
        if args.torch_batched:
            contenders[TORCH] = bench_throughput.predictor_contender(predictors["torch fp32"])
        contenders[PREDICTOR] = bench_throughput.predictor_contender(int8)
        for run in contenders.values():  # warm-up
            run(pages[:1])
        log.info("throughput: %d contenders on %d documents, %d rounds", len(contenders), len(documents), args.rounds)
        measured = bench_throughput.interleaved(contenders, pages, args.rounds)
        for name, row in measured.items():
            log.info("  %s: %.1f segments/s", name, row["segments_per_second"])
        details = []
        if TORCH in measured:
            details.append(
                f"{PREDICTOR} against the {TORCH}, on the same pages: "
                + _agreement_text(measured, TORCH, PREDICTOR, int8.metadata.thresholds)
            )
        if "efficiency" in results:
            for name in (PREDICTOR, TORCH):
                if name in measured:
                    predictor = predictors["torch fp32"] if name == TORCH else int8
                    work = bench_throughput.predictor_work(predictor, shape, pages, args.rounds)
                    results["efficiency"]["predictors"][name] = bench_efficiency.efficiency(
                        work, measured[name]["seconds"], peak
                    )
            int8_peak = results["efficiency"]["peaks"].get("int8_model_shape_onnxruntime", {}).get("best_gflops")
            achieved = results["efficiency"]["predictors"].get(PREDICTOR, {}).get("achieved_gflops")
            if int8_peak and achieved:
                results["efficiency"]["details"].append(
                    f"The int8 export runs most of its projection FLOPs through ONNX Runtime's int8 kernels, whose "
                    f"ceiling at the model's shape measured {int8_peak:.0f} GOP/s above: the int8 predictor's "
                    f"{achieved:.0f} GFLOP/s is {achieved / int8_peak:.0%} of that. Its feed-forward "
                    "down-projections and the attention stay fp32 (training/export.py)."
                )
        results["throughput_details"] = details
        del classifier

    def merge(server_results: dict) -> None:
        """The service's figures into the throughput table, latency and memory sections; then save."""
        service = server_results.get("throughput", {})
        if measured is not None:
            table = bench_throughput.throughput_table(
                measured,
                service,
                naive=NAIVE,
                predictor=PREDICTOR,
                documents=len(documents),
                seed=args.seed,
                service_label=SERVICE,
            )
            table["details"] += results["throughput_details"] + _service_details(service)
            table["note"] = (
                "In-process contenders took turns over "
                f'{args.rounds} chunks of documents; the service got one `{{"sentences": [...]}}` request per '
                "document, from closed-loop clients in the benchmark process."
            )
            results["throughput"] = table
        if server_results.get("latency"):
            results["latency"] = server_results["latency"]
        results["memory"] = {
            "load_seconds": {**load_seconds, **server_results.get("load_seconds", {})},
            **server_results.get("memory", {}),
        }
        save()

    merge({})
    if "optimisation" not in skip:
        log.info("optimisation: before/after on %d documents; profiles", args.optimisation_docs)
        before = bench_optimisation.before_predictor(int8, batch_size)
        results["optimisation"] = bench_optimisation.report(int8, before, pages[: args.optimisation_docs], shape)
        save()
    if not {"service", "latency"} <= skip:
        _service(args, settings, threads, batch_size, documents, splits, skip, merge)
    if "gpu" not in skip:
        with tempfile.TemporaryDirectory(prefix="parley-bench-gpu-") as work:
            results["gpu"] = bench_gpu.gpu_throughput(
                model_dir=args.model,
                documents=documents,
                seed=args.seed,
                rounds=args.rounds,
                batch_size=batch_size,
                base_config=args.config,
                work_dir=Path(work),
                root=ROOT,
                concurrencies=args.clients,
            )
    if "soak" not in skip:
        log.info("soak: %d requests, %d clients, <= %g s", args.soak_requests, SOAK_CLIENTS, args.soak_max_seconds)
        results["load_soak"] = load_soak.soak(
            model=args.model,
            config=args.config,
            backend="onnx",
            data=args.data / "test.jsonl",
            requests=args.soak_requests,
            warmup=args.soak_warmup,
            profile="short",
            max_seconds=args.soak_max_seconds,
            clients=SOAK_CLIENTS,
            seed=7,
            memory_tolerance=0.10,
            command=f"{results['settings']['command']} (its soak section)",
        )
        save()
    results["machine"]["load_average_at_end"] = bench_machine.load_average()
    save()
    log.info("wrote %s and %s in %.0f s", args.out_md, args.out_json, results["duration_seconds"])
    for target in results["targets"]:
        log.info("  %s: %s (%s) %s", target["name"], target["measured"], target["target"], target["met"])


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--fp32-export", type=Path, default=ROOT / "build" / "bench" / "onnx-fp32")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="folder with train/dev/test.jsonl")
    parser.add_argument("--docs", type=int, default=200, help="documents for throughput (of the 420)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the document sample")
    parser.add_argument("--rounds", type=int, default=5, help="chunks the in-process contenders take turns on")
    parser.add_argument("--clients", type=_ints, default=[1, 8, 32], help="HTTP client counts for throughput")
    parser.add_argument("--latency-clients", type=_ints, default=[1, 8])
    parser.add_argument("--latency-requests", type=int, default=200)
    parser.add_argument("--latency-segments", type=int, default=40)
    parser.add_argument("--threads", type=int, default=None, help="default: inference.threads of the config")
    parser.add_argument("--batch-size", type=int, default=None, help="default: inference.batch_size of the config")
    parser.add_argument("--optimisation-docs", type=int, default=20, help="documents for the before/after")
    parser.add_argument("--peak-seconds", type=float, default=2.0, help="per matmul microbenchmark")
    parser.add_argument("--torch-batched", action="store_true", help="add the torch fp32 predictor to the table")
    parser.add_argument("--soak-requests", type=int, default=20000, help="measured requests of the load/soak test")
    parser.add_argument("--soak-warmup", type=int, default=300)
    parser.add_argument("--soak-max-seconds", type=float, default=1800, help="time budget of the soak's sending")
    parser.add_argument("--skip", type=_names, default=[], help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--out-md", type=Path, default=BENCH_DIR / "RESULTS.md")
    parser.add_argument("--out-json", type=Path, default=BENCH_DIR / "results.json")
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def _names(text: str) -> list[str]:
    names = [part for part in text.split(",") if part]
    unknown = set(names) - set(SECTIONS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown sections {sorted(unknown)}; known: {', '.join(SECTIONS)}")
    return names


def _check_fp32_export(export_dir: Path, model_dir: Path) -> None:
    onnx_file = export_dir / FP32_FILE
    command = f"parley export {model_dir} --onnx --output {export_dir}"
    if not onnx_file.is_file():
        raise SystemExit(f"no fp32 ONNX export at {onnx_file}: `make bench` builds it, or run `{command}`")
    stale = stale_export_reason(onnx_file, model_dir)
    if stale is not None:
        raise SystemExit(f"the fp32 export {onnx_file} is out of date ({stale}); run `{command}`")


def _accuracy(splits, predictors: dict[str, Predictor], settings) -> dict:
    """Baselines and the model on the test split and, when it is beside the clone, on realdev."""
    realdev = load_realdev()
    extra = {} if realdev is None else {"realdev": realdev}
    baselines = bench_accuracy.baseline_rows(splits, extra)
    out: dict = {}
    for set_name, documents in {"test": splits["test"], **extra}.items():
        rows = dict(baselines[set_name])
        model_rows, scores = bench_accuracy.model_rows(
            {f"model, {name}": predictors[name] for name in ("torch fp32", "ONNX fp32", "ONNX int8")}, documents
        )
        rows.update(model_rows)
        thresholds = predictors["torch fp32"].metadata.thresholds
        out[set_name] = {
            "documents": len(documents),
            "segments": next(iter(rows.values()))["segments"],
            "rows": rows,
            "agreement": {
                f"model, {name}": bench_throughput.agreement(
                    scores["model, torch fp32"], scores[f"model, {name}"], thresholds
                )
                for name in ("ONNX fp32", "ONNX int8")
            },
        }
    if realdev is None:
        out["realdev"] = {"missing": missing_note()}
    return out


def _agreement_text(measured: dict, first: str, second: str, thresholds: dict) -> str:
    figures = bench_throughput.agreement(measured[first]["scores"], measured[second]["scores"], thresholds)
    return (
        f"max |score difference| {figures['max_abs_score_diff']:.4f}, labels agree on "
        f"{figures['label_agreement']:.2%} of decisions"
    )


def _service(args, settings, threads, batch_size, documents, splits, skip, progress) -> dict:
    """Start `parley serve`, then throughput at every client count and latency; ``progress(figures)`` after
    each step."""
    out: dict = {"throughput": {}, "load_seconds": {}, "memory": {}}
    with tempfile.TemporaryDirectory(prefix="parley-bench-serve-") as work:
        config = bench_server.write_config(
            args.config,
            Path(work) / "serve.yaml",
            {"inference": {"threads": threads, "batch_size": batch_size, "device": "cpu", "backend": "onnx"}},
        )
        server = bench_server.ServerProcess(
            model=args.model, config=config, backend="onnx", device="cpu", log_path=Path(work) / "serve.log", cwd=ROOT
        )
        log.info("service: starting parley serve")
        try:
            ready = server.start()
            out["load_seconds"]["parley serve: process start to /readyz 200 (imports, model load, warm-up)"] = ready
            out["memory"] = {"server_backend": "ONNX int8", "rss_mib_ready": server.rss_mib()}
            if "service" not in skip:
                log.info("service: throughput at %s clients", args.clients)
                rss_at = max(args.clients)
                out["throughput"] = bench_server_throughput = bench_throughput.service_throughput(
                    server, documents, args.clients, sample_rss_at=rss_at
                )
                for concurrency, row in bench_server_throughput.items():
                    log.info("  %d clients: %.1f segments/s", concurrency, row["segments_per_second"])
                top = bench_server_throughput[rss_at]
                out["memory"].update(
                    clients=rss_at,
                    peak_rss_mib_sampled=top["peak_rss_mib_sampled"],
                    peak_rss_mib_hwm=top["peak_rss_mib_hwm"],
                    rss_samples=top["rss_samples"],
                )
                progress(out)
            if "latency" not in skip:
                fr_test = [document for document in splits["test"] if document.lang == "fr"]
                text, segments = bench_latency.article(fr_test, args.latency_segments)
                runs = []
                for concurrency in args.latency_clients:
                    log.info("latency: %d requests at %d clients", args.latency_requests, concurrency)
                    runs.append(
                        bench_latency.measure_latency(server, text, segments, concurrency, args.latency_requests)
                    )
                    log.info(
                        "  p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", runs[-1]["p50"], runs[-1]["p95"], runs[-1]["p99"]
                    )
                    out["latency"] = {"segments": segments, "characters": len(text), "runs": runs}
                    progress(out)
        finally:
            server.stop()
    return out


def _service_details(service: dict) -> list[str]:
    lines = []
    for concurrency, row in service.items():
        if row.get("server_cpu_seconds") is not None:
            lines.append(
                f"{concurrency} client(s): server CPU {row['server_cpu_seconds']:.1f} s, load generator CPU "
                f"{row['client_cpu_seconds']:.1f} s over {row['seconds']:.1f} s wall (2 cores are "
                f"{2 * row['seconds']:.1f} CPU-s); median request {row['median_request_ms']:.0f} ms"
            )
    return lines


def _target(name: str, measured: str, wanted: str, met: bool) -> dict:
    return {"name": name, "measured": measured, "target": wanted, "met": bool(met)}


def _realdev_targets(realdev: dict) -> list[dict]:
    """Issue "Real pages II": on realdev, acts macro-F1 ≥ 0.70 and boilerplate F1 ≥ 0.92 (ONNX int8, as served),
    both above the pair model trained on the same data (its saved record, torch fp32, against the page model in
    torch fp32); and, from "Real pages I", the acts ≥ 0.10 above the keyword baseline."""
    rows = realdev.get("rows")
    if not rows:
        return []
    served, torch_row, keyword = rows["model, ONNX int8"], rows["model, torch fp32"], rows["keyword rules"]
    margin = served["macro_f1_acts"] - keyword["macro_f1_acts"]
    targets = [
        _target(
            "realdev: acts macro-F1 (model, ONNX int8)",
            f"{served['macro_f1_acts']:.3f}",
            "≥ 0.70",
            served["macro_f1_acts"] >= 0.70,
        ),
        _target(
            "realdev: boilerplate F1 (model, ONNX int8)",
            f"{served['boilerplate_f1']:.3f}",
            "≥ 0.92",
            served["boilerplate_f1"] >= 0.92,
        ),
        _target("realdev: acts macro-F1 above the keyword baseline", f"{margin:+.3f}", "≥ +0.10", margin >= 0.10),
    ]
    if PAIR_RECORD.is_file():
        pair = json.loads(PAIR_RECORD.read_text(encoding="utf-8"))
        for key, title in (("macro_f1_acts", "acts macro-F1"), ("boilerplate_f1", "boilerplate F1")):
            targets.append(
                _target(
                    f"realdev: {title} above the pair model 2.0.0 (torch fp32 both, thresholds by the same rule)",
                    f"{torch_row[key]:.3f} against {pair[key]:.3f}",
                    "above",
                    torch_row[key] > pair[key],
                )
            )
    return targets


def _agreement_targets(accuracy: dict) -> list[dict]:
    """The int8 export keeps ≥ 99 % label agreement with torch, on each evaluation set."""
    return [
        _target(f"{set_name}: ONNX int8 label agreement with torch", f"{agreement:.2%}", "≥ 99 %", agreement >= 0.99)
        for set_name, evaluated in accuracy.items()
        if (agreement := evaluated.get("agreement", {}).get("model, ONNX int8", {}).get("label_agreement")) is not None
    ]


def _speed_targets(results: dict) -> list[dict]:
    """Issue "Real pages II": the HTTP service at 8 clients ≥ 4× the naive pipeline (same run), the predictor
    ≥ 2× the pair model's predictor (benchmarks/predictor_speed.py), p95 of a 40-segment page at 1 client
    ≤ 400 ms."""
    targets = []
    throughput = results.get("throughput")
    if throughput:
        eight = next((row for row in throughput["rows"] if row.get("concurrency") == 8), None)
        if eight:
            targets.append(
                _target(
                    "HTTP service at 8 clients against the naive pipeline",
                    f"{eight['vs_naive']:.2f}×",
                    "≥ 4×",
                    eight["vs_naive"] >= 4,
                )
            )
            targets.append(
                _target(
                    "HTTP service at 8 clients against the predictor alone",
                    f"{eight['vs_predictor']:.0%}",
                    "≥ 80 %",
                    eight["vs_predictor"] >= 0.8,
                )
            )
    if PREDICTOR_SPEED.is_file():
        speed = json.loads(PREDICTOR_SPEED.read_text(encoding="utf-8"))
        rates = {row["kind"]: row["segments_per_second_best"] for row in speed.values()}
        if {"pair", "page"} <= set(rates):
            ratio = rates["page"] / rates["pair"]
            targets.append(
                _target("predictor (ONNX int8) against the pair model's predictor", f"{ratio:.2f}×", "≥ 2×", ratio >= 2)
            )
    latency = results.get("latency")
    if latency:
        one = next((run for run in latency["runs"] if run["concurrency"] == 1), None)
        if one:
            targets.append(
                _target(
                    f"p95 latency of a {latency['segments']}-segment page, 1 client",
                    f"{one['p95']:.0f} ms",
                    "≤ 400 ms",
                    one["p95"] <= 400,
                )
            )
    return targets


def _targets(results: dict) -> list[dict]:
    accuracy = results.get("accuracy", {})
    targets = _realdev_targets(accuracy.get("realdev", {})) + _agreement_targets(accuracy) + _speed_targets(results)
    efficiency = results.get("efficiency", {}).get("predictors", {}).get(PREDICTOR)
    if efficiency:
        targets.append(
            {
                "name": "predictor (ONNX int8) achieved GFLOP/s against the fp32 matmul peak",
                "measured": f"{efficiency['fraction_of_peak']:.0%} ({efficiency['achieved_gflops']:.0f} of "
                f"{efficiency['peak_gflops']:.0f} GFLOP/s)",
                "target": "≥ 35 %",
                "met": efficiency["fraction_of_peak"] >= 0.35,
            }
        )
    memory = results.get("memory", {})
    if memory.get("peak_rss_mib_sampled") is not None:
        peak = max(memory["peak_rss_mib_sampled"], memory.get("peak_rss_mib_hwm") or 0)
        targets.append(
            {
                "name": f"server peak RSS during the {memory['clients']}-client run (VmHWM, sampled max)",
                "measured": f"{peak:.0f} MiB",
                "target": f"< 1.5 GB ({RSS_TARGET_MIB:.0f} MiB)",
                "met": peak < RSS_TARGET_MIB,
            }
        )
    soak = results.get("load_soak")
    if soak:
        growth = soak["memory_mib"]["growth_after_run_vs_warmup"]
        targets.append(
            {
                "name": f"load/soak: {soak['requests']:,} requests from {soak['clients']} clients, some invalid",
                "measured": f"{soak['server_errors_5xx']} 5xx, {soak['dropped']} dropped, memory "
                f"{growth or 0:+.1%} after the run, p99 {soak['latency'].get('p99_ms', 0):,.0f} ms",
                "target": "0 5xx, 0 dropped, memory within ±10 % of after warm-up (every check in section 8)",
                "met": soak["passed"],
            }
        )
    return targets


if __name__ == "__main__":
    main()
