"""RESULTS.md and results.json from one run's results.

Everything written is read from the results dict of the run: a section whose
figures are missing says that it was not measured, and why.
"""

import json
import math
from pathlib import Path

ACTS = ("proposal", "acceptance", "refusal", "condition")
LABELS = ("boilerplate", *ACTS)
LATENCY_KEYS = ("p50_ms", "p95_ms", "p99_ms", "max_ms")


def write_results(results: dict, markdown_path: Path, json_path: Path) -> None:
    """Write both files (the JSON holds every figure; the Markdown the tables)."""
    json_path.write_text(json.dumps(_jsonable(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(render(results), encoding="utf-8")


def render(results: dict) -> str:
    sections = [
        _header(results),
        _machine(results.get("machine")),
        _summary(results),
        _accuracy(results.get("accuracy")),
        _throughput(results.get("throughput"), "2. Throughput on the CPU"),
        _latency(results.get("latency")),
        _efficiency(results.get("efficiency")),
        _memory(results.get("memory")),
        _gpu(results.get("gpu")),
        _optimisation(results.get("optimisation")),
        load_soak_section(results.get("load_soak")),
        _ablation(results.get("ablation")),
    ]
    return "\n".join(section for section in sections if section).rstrip() + "\n"


def _ablation(ablation: dict | None) -> str:
    """The pair/page ablation report (bench/page_vs_pair.py), its headings one level down."""
    if not ablation:
        return ""
    body = ablation["markdown"].split("\n", 1)[1] if ablation["markdown"].startswith("# ") else ablation["markdown"]
    body = "\n".join("#" + line if line.startswith("## ") else line for line in body.splitlines())
    return f"## 9. Pair model against page model (from `{ablation['source']}`)\n{body}\n"


def _jsonable(value):
    """numpy scalars and arrays, tuples and int keys turned into plain JSON; NaN into null."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def _number(value, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(value) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def _percent(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def _met(flag) -> str:
    return "n/a" if flag is None else ("**met**" if flag else "**missed**")


def _table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _header(results: dict) -> str:
    settings = results.get("settings", {})
    lines = [
        "# Parley benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`): every figure below was measured in the run described",
        "here, on this machine, in one process run; ratios compare contenders measured side by side in that",
        "run. All figures are also in `bench/results.json`.",
        "",
    ]
    if settings:
        lines += [
            f"- Command: `{settings.get('command', 'make bench')}`",
            f"- Model: `{settings.get('model')}` ({settings.get('model_name', '')}); exports: "
            + ", ".join(f"{name} `{path}`" for name, path in settings.get("exports", {}).items()),
            f"- Threads: {settings.get('threads_label', settings.get('threads'))}; predictor batch size "
            f"{settings.get('batch_size')}; service `max_batch_size` {settings.get('max_batch_size')}, "
            f"`max_wait_ms` {settings.get('max_wait_ms')}",
            f"- Run time: {_number(results.get('duration_seconds'))} s",
            "",
        ]
    return "\n".join(lines)


def _machine(machine: dict | None) -> str:
    if not machine:
        return ""
    versions = ", ".join(f"{name} {version}" for name, version in machine.get("versions", {}).items())
    lines = [
        "## Machine",
        "",
        f"- Date: {machine.get('date_utc')}",
        f"- CPU: {machine.get('cpu')} ({', '.join(machine.get('cpu_flags', [])) or 'no flags read'})",
        f"- Cores: {machine.get('logical_cpus')} logical CPUs, {machine.get('usable_cpus')} usable by this process; "
        f"torch threads {machine.get('torch_threads')}",
        f"- Memory: {machine.get('memory_gib')} GiB; GPU: {machine.get('gpu') or 'none'}",
        f"- Load average (1, 5, 15 min) at the start: {machine.get('load_average_at_start')}; at the end: "
        f"{machine.get('load_average_at_end', 'n/a')}",
        f"- OS: {machine.get('os')}",
        f"- Versions: {versions}",
        f"- Commit: {machine.get('git_commit')}",
        "",
    ]
    return "\n".join(lines)


def _summary(results: dict) -> str:
    targets = results.get("targets")
    if not targets:
        return ""
    rows = [[target["name"], target["measured"], target["target"], _met(target.get("met"))] for target in targets]
    return "## Targets\n\n" + _table(["target", "measured", "wanted", ""], rows, "llll") + "\n"


def _accuracy(accuracy: dict | None) -> str:
    if not accuracy:
        return "## 1. Accuracy on the test split and on realdev\n\nNot measured in this run.\n"
    test, realdev = accuracy["test"], accuracy["realdev"]
    lines = [
        "## 1. Accuracy on the test split and on realdev",
        "",
        "Baselines: fitted on train, thresholds tuned on dev (`bench/baselines.py`). The model: the thresholds "
        "it ships with (tuned on dev). Macro-F1 over the four acts. The test split is written by the hands that "
        "wrote the training data and flatters every model; realdev (pages rewritten from real ones) is what "
        "users POST.",
        "",
        f"### `data/test.jsonl`: {test['documents']} documents, {test['segments']} segments",
        "",
        _accuracy_table(test),
        "",
        "### `../shared/realdev/docs.jsonl`"
        + ("" if "missing" in realdev else f": {realdev['documents']} documents, {realdev['segments']} segments"),
        "",
        realdev["missing"] if "missing" in realdev else _accuracy_table(realdev),
    ]
    return "\n".join(lines) + "\n"


def _accuracy_table(evaluated: dict) -> str:
    header = ["scorer", "macro-F1 acts", "boilerplate F1", *(f"{act} F1" for act in ACTS)]
    rows = []
    for name, row in evaluated["rows"].items():
        figures = [row["macro_f1_acts"], row["boilerplate_f1"], *(row["f1"][act] for act in ACTS)]
        rows.append([name, *(f"{value:.3f}" for value in figures)])
    lines = [_table(header, rows)]
    for name, figures in evaluated.get("agreement", {}).items():
        lines.append(
            f"- {name} against torch fp32: max |score difference| {figures['max_abs_score_diff']:.4f}, "
            f"labels agree on {figures['label_agreement']:.2%} of (segment, label) decisions"
        )
    return "\n".join(lines)


def _throughput(throughput: dict | None, title: str) -> str:
    if not throughput:
        return f"## {title}\n\nNot measured in this run.\n"
    header = ["contender", "segments/s", "seconds", "× naive", "× predictor"]
    rows = []
    for row in throughput["rows"]:
        rows.append(
            [
                row["name"],
                _number(row["segments_per_second"], 1),
                _number(row["seconds"], 1),
                _ratio(row.get("vs_naive")),
                _ratio(row.get("vs_predictor")),
            ]
        )
    lines = [
        f"## {title}",
        "",
        f"{throughput['documents']} documents of `data/*.jsonl` (a seeded sample, seed {throughput.get('seed')}), "
        f"{throughput['segments']} segments; every contender scores the same pages (each document's segments). "
        + throughput.get("note", ""),
        "",
        _table(header, rows),
    ]
    for line in throughput.get("details", []):
        lines.append(f"- {line}")
    return "\n".join(lines) + "\n"


def _latency(latency: dict | None) -> str:
    if not latency:
        return "## 3. Latency of one article through HTTP\n\nNot measured in this run.\n"
    header = ["clients", "requests", "p50 ms", "p95 ms", "p99 ms", "mean ms", "max ms", "requests/s"]
    rows = [
        [
            str(run["concurrency"]),
            str(run["requests"]),
            _number(run["p50"], 1),
            _number(run["p95"], 1),
            _number(run["p99"], 1),
            _number(run["mean_ms"], 1),
            _number(run["max_ms"], 1),
            _number(run["requests_per_second"], 2),
        ]
        for run in latency["runs"]
    ]
    lines = [
        "## 3. Latency of one article through HTTP",
        "",
        f"One page of {latency['segments']} segments ({latency['characters']} characters, French), POSTed as "
        "`text/plain` to `/v1/classify` of the same `parley serve` process; closed-loop clients, latency from "
        "send to full answer at the client. " + latency.get("note", ""),
        "",
        _table(header, rows),
    ]
    return "\n".join(lines) + "\n"


def _efficiency(efficiency: dict | None) -> str:
    if not efficiency:
        return "## 4. Compute efficiency\n\nNot measured in this run.\n"
    peaks = efficiency["peaks"]
    peak_rows = []
    for name, peak in peaks.items():
        if "error" in peak:
            peak_rows.append([name, "—", "—", peak["error"]])
        else:
            shape = "×".join(str(size) for size in peak["shape"])
            peak_rows.append([name, shape, _number(peak["best_gflops"], 1), _number(peak["median_gflops"], 1)])
    rows = []
    for name, row in efficiency["predictors"].items():
        rows.append(
            [
                name,
                _number(row["tokens"]),
                _percent(row["padding_fraction"]),
                _number(row["useful_flops"] / 1e12, 2),
                _number(row["achieved_gflops"], 1),
                _number(row["executed_gflops"], 1),
                _percent(row["fraction_of_peak"]),
            ]
        )
    shape = efficiency["shape"]
    lines = [
        "## 4. Compute efficiency",
        "",
        f"Model: {shape['layers']} layers, hidden {shape['hidden']}, feed-forward {shape['intermediate']}, "
        f"{shape['labels']} labels: {efficiency['linear_mflops_per_token']:.1f} MFLOP per token in the "
        f"projections and feed-forward, plus {efficiency['attention_kflops_per_token_per_position']:.1f} kFLOP per "
        "token per position attended to (formula in `bench/bench_efficiency.py`: "
        "`n·(L·(8h² + 4hf + 4hn) + 2hc)` FLOPs for a window of n tokens). Achieved GFLOP/s = useful "
        "FLOPs (each window at its own length) / wall time of the throughput run (tokenization included); "
        "executed counts the padded batches.",
        "",
        "Matmul peaks measured in this run (GFLOP/s, or GOP/s for int8):",
        "",
        _table(["kernel", "m×k×n", "best", "median"], peak_rows),
        f"Reference peak: **{_number(efficiency['peak_gflops'], 1)} GFLOP/s** ({efficiency['peak_name']}, best run).",
        "",
        _table(
            [
                "predictor",
                "tokens",
                "padding",
                "useful TFLOP",
                "achieved GFLOP/s",
                "executed GFLOP/s",
                "of fp32 peak",
            ],
            rows,
        ),
    ]
    for line in efficiency.get("details", []):
        lines.append(f"- {line}")
    return "\n".join(lines) + "\n"


def _memory(memory: dict | None) -> str:
    if not memory:
        return "## 5. Memory and load time\n\nNot measured in this run.\n"
    rows = [[name, _number(seconds, 2)] for name, seconds in memory.get("load_seconds", {}).items()]
    lines = [
        "## 5. Memory and load time",
        "",
        f"- `parley serve` ({memory.get('server_backend')}) peak RSS while serving the "
        f"{memory.get('clients')}-client run: **{_number(memory.get('peak_rss_mib_sampled'))} MiB** "
        f"(sampled every 20 ms, {memory.get('rss_samples')} samples); the process's high-water mark "
        f"since its start (VmHWM, model load included): {_number(memory.get('peak_rss_mib_hwm'))} MiB; "
        f"target under 1.5 GB ({_number(1.5e9 / 2**20)} MiB).",
        f"- RSS after the start, before any request: {_number(memory.get('rss_mib_ready'))} MiB.",
        "",
        _table(["load", "seconds"], rows),
    ]
    return "\n".join(lines) + "\n"


def _gpu(gpu: dict | None) -> str:
    if gpu is None or not gpu.get("measured"):
        reason = (gpu or {}).get("reason", "no CUDA GPU was visible to torch")
        return f"## 6. Throughput on a GPU\n\nNo GPU was measured in this run: {reason}.\n"
    return _throughput(gpu["throughput"], f"6. Throughput on the GPU ({gpu.get('device')}, torch fp16)")


def _optimisation(optimisation: dict | None) -> str:
    if not optimisation:
        return ""
    lines = ["## 7. Profile and optimisation (before / after, measured side by side in this run)", ""]
    lines += [*optimisation.get("text", []), ""]
    if optimisation.get("rows"):
        header = ["variant", "segments/s", "seconds", "× before"]
        rows = [
            [row["name"], _number(row["segments_per_second"], 1), _number(row["seconds"], 1), _ratio(row["vs_before"])]
            for row in optimisation["rows"]
        ]
        lines += [_table(header, rows)]
    for name, phases in optimisation.get("phases", {}).items():
        total = sum(phases.values())
        cells = ", ".join(f"{phase} {seconds:.2f} s ({seconds / total:.0%})" for phase, seconds in phases.items())
        lines.append(f"- Where the time goes, {name}: {cells}")
    for line in optimisation.get("details", []):
        lines.append(f"- {line}")
    return "\n".join(lines) + "\n"


def load_soak_section(soak: dict | None) -> str:
    """Section 8, from bench/load_soak.py's result (also what that script prints when run alone)."""
    title = "## 8. Load and soak (bench/load_soak.py)"
    if not soak:
        return f"{title}\n\nNot measured in this run.\n"
    memory, latency, checks = soak["memory_mib"], soak["latency"], soak["checks"].items()
    stopped = (
        f"; {soak['requests_planned']} planned, sending stopped at the {soak['max_seconds']:g} s budget"
        if soak["requests"] < soak["requests_planned"]
        else ""
    )
    latency_rows = [["all", str(soak["requests"]), *(_number(latency.get(key), 1) for key in LATENCY_KEYS)]]
    latency_rows += [
        [kind, str(row["requests"]), *(_number(row.get(key), 1) for key in LATENCY_KEYS)]
        for kind, row in soak["latency_by_kind"].items()
    ]
    lines = [
        title,
        "",
        f"`{soak['command']}` on {soak['when']} ({soak['machine']}).",
        "",
        f"A real `parley serve` on loopback ({soak['model']}, backend {soak['backend']}), {soak['clients']} "
        f"concurrent clients in a closed loop, {soak['warmup_requests']} warm-up requests then "
        f"**{soak['requests']:,} measured requests** in {soak['seconds']} s ({soak['requests_per_second']} "
        f"requests/s, {soak['segments_scored']:,} segments scored{stopped}). Profile `{soak['profile']}`: "
        f"{soak['profile_text']}, and 15 % invalid (empty, malformed JSON, wrong content type, unknown field, too "
        "many documents, body too large, wrong method, unknown path), each of which must get its documented 4xx.",
        "",
        _table(["check", "result"], [[name, "pass" if ok else "**FAIL**"] for name, ok in checks], "ll"),
        f"Statuses: {', '.join(f'{status}: {count}' for status, count in soak['statuses'].items())}; "
        f"5xx: {soak['server_errors_5xx']}; dropped: {soak['dropped']}; answers not as expected: "
        f"{soak['wrong_answers']}.",
        "",
        _table(["requests", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"], latency_rows),
        f"Server memory (VmRSS): {memory['ready']} MiB when ready, {memory['after_warmup']} MiB after warm-up, "
        f"peak {memory['peak_during_run']} MiB during the run, {memory['after_run']} MiB after it "
        f"({memory['growth_after_run_vs_warmup'] or 0:+.1%} against after warm-up).",
    ]
    if soak["problem_examples"]:
        lines += ["", "Problems seen:", "", *[f"- {problem}" for problem in soak["problem_examples"]]]
    return "\n".join(lines) + "\n"
