"""Command line of the engine.

    python -m engine curve MODEL --set KEY=VALUE ... [--sweep KEY=V1,V2,...] [--json]
    python -m engine simulate MODEL --set KEY=VALUE ... [--sweep KEY=...] --seeds S [--seed 0] [--json]
    python -m engine params MODEL        list the canonical parameters and their domains

MODEL is a key of ``engine.params.MODELS``; ``curve`` calls ``engine.theory.<MODEL>.curve``
and ``simulate`` calls ``engine.simulate.<MODEL>.simulate`` with the canonical keys as
keyword arguments. Bad keys or values exit with status 2 and a one-line message that
names the parameter and its domain. JSON output writes NaN as null and +inf as "inf".
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from typing import Any, Sequence

import numpy as np
import pandas as pd

from engine.params import MODELS, ParamError, get_model


class CliError(Exception):
    """A usage error: printed as one line, exit status 2."""


def _split_kv(text: str, flag: str) -> tuple[str, str]:
    if "=" not in text:
        raise CliError(f"{flag} expects KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), value.strip()


def parse_overrides(model: str, sets: Sequence[str], sweep: str | None) -> dict[str, Any]:
    """Turn ``--set`` and ``--sweep`` strings into validated keyword arguments."""
    spec = get_model(model)
    kwargs: dict[str, Any] = {}
    for item in sets or []:
        key, value = _split_kv(item, "--set")
        kwargs[key] = spec.param(key).coerce(value)
    if sweep:
        key, value = _split_kv(sweep, "--sweep")
        p = spec.param(key)
        parts = [v for v in value.split(",") if v.strip()]
        if not parts:
            raise CliError(f"--sweep {key}= needs at least one value")
        vals = p.coerce_many(parts)
        kwargs[key] = list(vals) if p.kind == "enum" else vals
    return kwargs


def jsonable(value: Any) -> Any:
    """NaN -> None, +inf -> "inf", numpy scalars/arrays -> Python."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in list(value)]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else None
        return f
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def envelope(model: str, params: dict[str, Any], frame: pd.DataFrame) -> dict[str, Any]:
    """The JSON envelope of the specs: {"model", "params", "rows"}."""
    rows = [jsonable(dict(r)) for r in frame.to_dict(orient="records")]
    return {"model": model, "params": jsonable(params), "rows": rows}


def _call(kind: str, model: str, kwargs: dict[str, Any], extra: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    from engine.sweep import resolve_call

    call = resolve_call(model, kwargs)  # validates before any import of heavy modules
    module = importlib.import_module(f"engine.{'theory' if kind == 'curve' else 'simulate'}.{model}")
    fn = getattr(module, "curve" if kind == "curve" else "simulate")
    frame = fn(**kwargs, **extra)
    return call.params, frame


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Collapse Explorer engine")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (("curve", "theory curve"), ("simulate", "Monte Carlo simulation")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("model", help=f"one of {', '.join(sorted(MODELS))}")
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="set a parameter")
        p.add_argument("--sweep", metavar="KEY=V1,V2,...", help="sweep one parameter")
        p.add_argument("--json", action="store_true", help="print the JSON envelope")
        if name == "simulate":
            p.add_argument("--seeds", type=int, default=10, help="number of independent repetitions")
            p.add_argument("--seed", type=int, default=0, help="base seed")
            p.add_argument("--learner", default=None, help="verification only: centroid, ridge or logistic")
    p = sub.add_parser("params", help="list a model's parameters")
    p.add_argument("model")
    _runs_cli = _optional_runs_cli()
    if _runs_cli is not None:
        _runs_cli.add_subparsers(sub)  # `run TASK ...` and `runs list|show|cancel`
    return parser


def _optional_runs_cli():
    """The runs subcommands live in engine.runs.cli (absent until the runs work lands)."""
    try:
        return importlib.import_module("engine.runs.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("engine.runs", "engine.runs.cli"):
            raise
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("run", "runs"):
        return _optional_runs_cli().dispatch(args)
    try:
        if args.command == "params":
            spec = get_model(args.model)
            for prm in spec.params:
                default = "derived" if prm.default is None else prm.default
                print(f"{prm.key:14s} {prm.domain_text():40s} default {default}   {prm.help}")
            return 0
        get_model(args.model)
        kwargs = parse_overrides(args.model, args.set, args.sweep)
        extra: dict[str, Any] = {}
        if args.command == "simulate":
            if args.seeds < 1:
                raise CliError(f"--seeds = {args.seeds} is invalid: --seeds must be an integer >= 1")
            extra = {"seeds": args.seeds, "seed": args.seed}
            if args.learner is not None:
                extra["learner"] = args.learner
        params, frame = _call(args.command, args.model, kwargs, extra)
    except (ParamError, CliError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(envelope(args.model, params, frame)))
    else:
        with pd.option_context("display.max_rows", 500, "display.width", 200):
            print(frame.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
