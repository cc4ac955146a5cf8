"""FlushDenormalHook: on for a CPU run, restored afterwards, off on request."""

from types import SimpleNamespace

import torch

from hm2pn.engine import FlushDenormalHook, flushes_denormals


def _runner() -> SimpleNamespace:
    return SimpleNamespace(model=torch.nn.Linear(2, 2))


def test_flushes_during_the_run_only():
    torch.set_flush_denormal(False)
    hook, runner = FlushDenormalHook(), _runner()
    hook.before_run(runner)
    try:
        assert flushes_denormals() is True
        tiny = torch.tensor([1e-30]) * 1e-10
        assert tiny.item() == 0.0
    finally:
        hook.after_run(runner)
    assert flushes_denormals() is False


def test_disabled_hook_leaves_the_mode_alone():
    torch.set_flush_denormal(False)
    hook, runner = FlushDenormalHook(enabled=False), _runner()
    hook.before_run(runner)
    assert flushes_denormals() is False
    hook.after_run(runner)
    assert flushes_denormals() is False
