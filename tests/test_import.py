"""``import hm2pn`` registers modules and applies the gated upstream fixes,
and nothing else: no inference/drawing stack, no global numeric switches."""

import subprocess
import sys

from tests.utils import REPO

PROBE = """
import sys, torch
def subnormal():
    return (torch.tensor([1e-30], dtype=torch.float32) * 1e-10).item()
before = subnormal()
import hm2pn
from mmpose.registry import HOOKS, METRICS, MODELS
print(before, subnormal())
print(sorted(m for m in sys.modules if m.startswith('hm2pn')))
print(all(MODELS.get(n) for n in ('HM2PNHRNet', 'CoarseToFineHead',
                                  'HardKeypointMiningLoss', 'FineNet')),
      all(HOOKS.get(n) for n in ('DatasetCheckHook', 'EpochSeedHook',
                                 'FiniteLossHook', 'FlushDenormalHook',
                                 'SafeCheckpointHook', 'PreciseBNHook')),
      all(METRICS.get(n) for n in ('MpiiPCKhAccuracy', 'PerKeypointOKSMetric')))
print(hm2pn.compat.APPLIED)
"""


def _probe() -> list:
    out = subprocess.run(
        [sys.executable, '-c', PROBE], cwd=REPO, text=True, capture_output=True, check=True
    ).stdout
    return out.strip().splitlines()


def test_import_keeps_subnormals_and_loads_no_drawing():
    numbers, modules, registered, applied = _probe()
    before, after = (float(x) for x in numbers.split())
    assert 0.0 < before < 1.2e-38, 'the probe must produce a subnormal'
    assert after == before, "import hm2pn changed torch's denormal mode"
    assert 'hm2pn.apis' not in modules and 'hm2pn.visualization' not in modules
    assert 'hm2pn.compat' in modules and 'hm2pn.engine' in modules
    assert registered == 'True True True'
    assert 'offline_pretrained' in applied
