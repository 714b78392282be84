"""Command line for runs (wired into ``python -m engine`` by engine/__main__.py).

    python -m engine run TASK --set KEY=VALUE ... [--seed S] [--retry] [--json]
    python -m engine runs list [--json]
    python -m engine runs show ID [--json]
    python -m engine runs cancel ID

``run`` validates the parameters, starts the worker process (or joins the existing run with
the same spec), prints progress until the run ends, and exits 0 when it is done, 1 when it
failed or was cancelled. Bad input exits 2 with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.params import ParamError
from engine.runs.launcher import cancel, launch, wait
from engine.runs.spec import TASKS, make_spec, parse_sets
from engine.runs.store import BrokenRun, RunInfo, RunStore


def add_subparsers(sub: Any) -> None:
    """Add ``run`` and ``runs`` to the engine's subparsers."""
    p = sub.add_parser("run", help="run a training task (blocking), writing into the run store")
    p.add_argument("task", help=f"one of {', '.join(TASKS)}")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="set a task parameter")
    p.add_argument("--seed", default="0", help="seed (integer)")
    p.add_argument("--retry", action="store_true", help="start again if this spec failed or was cancelled")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p = sub.add_parser("runs", help="list, show or cancel runs")
    rsub = p.add_subparsers(dest="runs_command", required=True)
    q = rsub.add_parser("list", help="list runs")
    q.add_argument("--json", action="store_true")
    q = rsub.add_parser("show", help="show one run")
    q.add_argument("id")
    q.add_argument("--json", action="store_true")
    q = rsub.add_parser("cancel", help="cancel a run (kills its process group)")
    q.add_argument("id")


def _progress_line(info: RunInfo) -> str:
    prog = float(info.status.get("progress") or 0.0)
    bar = "#" * int(round(prog * 30))
    msg = info.status.get("message") or ""
    return f"\r[{bar:<30s}] {100 * prog:5.1f}% {info.state:9s} {msg[:60]:<60s}"


def _run(args: argparse.Namespace) -> int:
    try:
        spec = make_spec(args.task, parse_sets(args.task, args.set), args.seed)
    except ParamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = RunStore()
    launched = launch(spec.task, spec.params, spec.seed, store=store, retry=args.retry)
    print(f"run {launched.run_id} ({spec.task}) {'started' if launched.started else 'exists: ' + launched.state}",
          file=sys.stderr)
    if launched.state in ("failed", "cancelled") and not launched.started:
        print("(use --retry to run this spec again)", file=sys.stderr)
    last = [""]

    def show(info: RunInfo) -> None:
        line = _progress_line(info)
        if line != last[0]:
            last[0] = line
            sys.stderr.write(line)
            sys.stderr.flush()

    show = show if not args.quiet else None
    try:
        info = wait(launched.run_id, store=store, on_poll=show)
    except KeyboardInterrupt:
        cancel(launched.run_id, store=store)
        print(f"\ncancelled {launched.run_id}", file=sys.stderr)
        return 1
    if not args.quiet:
        sys.stderr.write("\n")
    if not isinstance(info, RunInfo):
        print(f"error: run {launched.run_id} is unreadable", file=sys.stderr)
        return 1
    print(json.dumps({"id": info.run_id, "task": info.task, "state": info.state,
                      "path": str(info.path), "result": info.result, "error": info.status.get("error")}))
    return 0 if info.state == "done" else 1


def _summary(item: RunInfo | BrokenRun) -> dict[str, Any]:
    if isinstance(item, BrokenRun):
        return {"id": item.run_id, "task": item.task, "state": "corrupt", "reason": item.reason,
                "path": str(item.path)}
    return {"id": item.run_id, "task": item.task, "state": item.state, "seed": item.spec.get("seed"),
            "device": item.status.get("device"), "progress": item.status.get("progress"),
            "duration_s": item.duration_s, "error": item.status.get("error"), "path": str(item.path)}


def dispatch(args: argparse.Namespace) -> int:
    """Run the ``run``/``runs`` subcommand; returns the exit status."""
    if args.command == "run":
        return _run(args)
    store = RunStore()
    if args.runs_command == "list":
        items = [_summary(i) for i in store.list()]
        if args.json:
            print(json.dumps(items))
        else:
            for it in items:
                extra = it.get("reason") or it.get("error") or ""
                dur = it.get("duration_s")
                print(f"{it['id']:16s} {it['task']:24s} {it['state']:9s} "
                      f"{'' if dur is None else f'{dur:7.1f}s':>8s} {extra}")
        return 0
    item = store.get(args.id)
    if item is None:
        print(f"error: no run {args.id!r} in {store.root}", file=sys.stderr)
        return 2
    if args.runs_command == "show":
        out = _summary(item)
        if isinstance(item, RunInfo):
            out.update(spec=item.spec, status=item.status, result=item.result,
                       metrics=len(store.metrics(item.path)))
        print(json.dumps(out, indent=None if args.json else 1))
        return 0
    if args.runs_command == "cancel":
        try:
            state = cancel(args.id, store=store)
        except (KeyError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{args.id} {state}")
        return 0
    return 2
