"""`parley classify --engine ray`: Ray Data with the predictor in a callable class, on a local 2-CPU Ray.

Ray is the optional extra `[ray]`, not part of `dev`: this test is skipped where it is not installed
(as in CI); `pip install -e '.[ray]'` runs it.
"""

import json

import pytest

ray = pytest.importorskip("ray")

from parley.corpus import PredictorSpec, classify_corpus  # noqa: E402

PAGES = [
    "Accueil  Monde\nLa direction propose une prime. Les syndicats refusent.",
    "Moscou a rejeté l'offre.\nPublicité",
    "Le ministre accepte de recevoir les deux parties si la grève cesse.",
]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    yield
    ray.shutdown()


def test_ray_engine_labels_every_document_once_and_resumes(local_ray, tiny_model_dir, tmp_path):
    docs = [{"id": f"doc-{n}", "text": PAGES[n % len(PAGES)]} for n in range(20)]
    docs.append({"id": "seg", "segments": ["Paris refuse.", {"text": "Berlin accepte."}]})
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs), encoding="utf-8")
    spec = PredictorSpec(str(tiny_model_dir), device="cpu", backend="torch")
    # A run that stopped after two documents, the second cut short by a crash.
    output = tmp_path / "labelled.jsonl"
    local = tmp_path / "local.jsonl"
    classify_corpus(source, local, spec, language="fr", engine="local", workers=1, progress=False)
    expected = {line["id"]: line for line in map(json.loads, local.read_text(encoding="utf-8").splitlines())}
    output.write_text(json.dumps(expected["doc-0"]) + "\n" + json.dumps(expected["doc-1"])[:30], encoding="utf-8")

    summary = classify_corpus(source, output, spec, language="fr", engine="ray", workers=2, progress=False)

    assert (summary.total, summary.skipped, summary.written) == (21, 1, 20)
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(doc["id"] for doc in docs)
    for line in lines:
        assert [s["text"] for s in line["sentences"]] == [s["text"] for s in expected[line["id"]]["sentences"]]
        for got, want in zip(line["sentences"], expected[line["id"]]["sentences"], strict=True):
            assert got["scores"] == pytest.approx(want["scores"], abs=2e-4)
