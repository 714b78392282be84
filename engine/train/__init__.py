"""Torch retraining tasks, one module per task (DESIGN.md "Runs").

Each module declares ``PARAMS`` (a tuple of :class:`engine.params.Param`, with bounds so
that no launch can run away), optionally ``check(params)`` (raises ParamError), and
``run(spec, report, device=None) -> dict``. Modules import torch only inside functions, so
listing or validating tasks stays cheap.
"""
