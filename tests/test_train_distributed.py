"""`parley train` under `torchrun --nproc_per_node 2` and `accelerate launch`: the Trainer's DDP on the CPU
(gloo), tiny model."""

import json
import os
import socket
import subprocess
import sys

import pytest

from model.predictor import Predictor
from tests.test_train import write_pages

LAUNCHERS = {
    "torchrun": [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
    # --multi_gpu is accelerate's torchrun launcher; with no GPU its processes train on the CPU, with gloo.
    "accelerate": [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2"],
}


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_two_processes_train_one_model(tiny_model_dir, tmp_path, launcher):
    train_file = write_pages(tmp_path / "train.jsonl", "train", copies=2)
    dev_file = write_pages(tmp_path / "dev.jsonl", "dev", copies=1)
    config = tmp_path / "config.yaml"
    config.write_text(
        "page:\n  max_length: 64\n  max_segment_tokens: 16\n  context_tokens: 8\n"
        f"training:\n  backbone: {tiny_model_dir}\n  epochs: 2\n  batch_size: 4\n  logging_steps: 1\n"
        f"  checkpoint_dir: {tmp_path / 'runs'}\n  save_fp16: false\n  mixed_precision: false\n",
        encoding="utf-8",
    )
    output = tmp_path / "model"
    command = [
        *LAUNCHERS[launcher],
        *(["--main_process_port", free_port()] if launcher == "accelerate" else []),
        *("-m", "parley", "train", "--config", str(config)),
        *("--data", str(train_file), "--dev", str(dev_file), "--output", str(output)),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-6000:]

    # Only the main process reports (and wrote the folder); both ranks got there.
    assert finished.stdout.count(f"model written to {output}") == 1, finished.stdout
    record = json.loads((output / "training.json").read_text(encoding="utf-8"))
    assert record["processes"] == 2
    assert record["train_documents"] == 4
    predictor = Predictor.from_pretrained(output, device="cpu")
    assert len(predictor.predict_document("Berlin invite Paris à signer.\nPublicité")) == 2
    # One model folder and its checkpoints: no staging folder left beside them, no second copy.
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith((".model", "model"))) == ["model"]
    assert any((tmp_path / "runs" / "model").glob("checkpoint-*"))
