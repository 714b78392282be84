"""Benchmark of the runs' training task ``regression_chain`` (issue 6).

    .venv/bin/python bench/bench_runs.py [--device cpu|cuda] [--seeds 8] [--repeat 3] [--threads 1]

Throughput in seed-chains per second (one chain = generators n = 1..n_max plus every
downstream (n, T) fit) for the task's batched implementation (all seeds in one tensor,
``engine.train.regression_chain.errors(p, S, ...)``) against the plain baseline of one
seed at a time (S calls with S = 1). Configurations: the linear model at its defaults
(d = 20, full-batch GD with early stop), the linear model at d = 100 without early stop
(2000 steps), and a small two-layer MLP. The table prints the best of ``--repeat`` timings
and the ratio batched / one-at-a-time (> 1: batching helps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.runs import make_spec  # noqa: E402
from engine.train import regression_chain as rc  # noqa: E402

CONFIGS = {
    "linear, defaults (d=20)": {},
    "linear, d=100, 2000 steps": {"d": 100, "T0": 300, "T_min": 150, "T_max": 1200, "steps": 2000, "tol": 0.0},
    "mlp, width 64, 300 steps": {"model": "mlp", "steps": 300, "T_max": 320, "T_points": 4},
}


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    S = args.seeds
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else f"cpu, {args.threads} thread(s)"
    print(f"regression_chain throughput, {S} seeds, device: {name}, torch {torch.__version__}")
    print(f"{'configuration':30s} {'batched (chains/s)':>19s} {'one seed at a time':>19s} {'ratio':>7s}")

    def sync() -> None:
        if args.device == "cuda":
            torch.cuda.synchronize()

    for label, overrides in CONFIGS.items():
        p = make_spec("regression_chain", {**overrides, "seeds": S}, 0).params

        def batched(p: dict = p) -> None:
            rc.errors(p, S, 0, args.device)
            sync()

        def looped(p: dict = p) -> None:
            for i in range(S):
                rc.errors(p, 1, 0, args.device, salt=i + 1)
            sync()

        batched()  # warm-up (allocations, CUDA context)
        tb = best_time(batched, args.repeat)
        tl = best_time(looped, args.repeat)
        print(f"{label:30s} {S / tb:19.2f} {S / tl:19.2f} {tl / tb:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
