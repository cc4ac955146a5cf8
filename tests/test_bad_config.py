"""Bad configs: a typo in an argument of one of our modules fails before
anything is built, with the valid keys listed; a misspelt ``custom_imports``
module fails with a hint."""

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger

import hm2pn  # noqa: F401
from hm2pn.models.heads import CoarseToFineHead
from hm2pn.runtime import check_config_keys, read_config, valid_init_args
from tests.reliability_utils import HM2PN_HEAD, smoke_config_with
from tests.utils import REPO, SMOKE_CONFIG


@pytest.fixture(autouse=True)
def _fresh_logger(request):
    """A current MMLogger bound to this test's captured stdout (a logger
    created in an earlier test writes to a closed stream)."""
    MMLogger.get_instance(f'test-{request.node.name}', log_level='INFO')


def _hm2pn_cfg(tmp_path, delta: dict) -> Config:
    path = smoke_config_with(tmp_path, 'bad', HM2PN_HEAD)
    cfg = read_config(str(path))
    cfg.merge_from_dict(delta)
    cfg.work_dir = str(tmp_path / 'work')
    return cfg


@pytest.mark.parametrize(
    'delta, where, message',
    [
        (
            {'model.head.finenett': dict(type='FineNet')},
            'model.head',
            "CoarseToFineHead got an unknown argument 'finenett' (did you mean "
            "'finenet'?); valid arguments: in_channels, out_channels, finenet, "
            'fine_loss, deconv_out_channels, deconv_kernel_sizes, '
            'conv_out_channels, conv_kernel_sizes, final_layer, loss, decoder, '
            'init_cfg',
        ),
        (
            {'model.head.fine_loss.alpah': 100.0},
            'model.head.fine_loss',
            "HardKeypointMiningLoss got an unknown argument 'alpah' (did you mean "
            "'alpha'?); valid arguments: alpha, gamma, weighting, "
            'use_target_weight, detach_weight, skip_empty_channel, loss_weight',
        ),
        (
            {'model.head.finenet.num_unit': 2},
            'model.head.finenet',
            "FineNet got an unknown argument 'num_unit' (did you mean 'num_units'?)",
        ),
    ],
)
def test_unknown_key_lists_valid_keys(tmp_path, delta, where, message):
    cfg = _hm2pn_cfg(tmp_path, delta)
    with pytest.raises(TypeError) as info:
        check_config_keys(cfg)  # tools/train.py's preflight, before building
    text = str(info.value)
    print('\nwhat the user sees:', text)
    assert text.startswith(f'config {cfg.filename}, {where}: {message}')


def test_valid_args_follow_kwargs_to_the_parent():
    args = valid_init_args(CoarseToFineHead)
    assert args[:4] == ['in_channels', 'out_channels', 'finenet', 'fine_loss']
    assert 'decoder' in args and 'kwargs' not in args


def test_missing_custom_import_has_a_hint(tmp_path):
    cfg = tmp_path / 'typo_import.py'
    cfg.write_text(
        f'_base_ = [{str(REPO / SMOKE_CONFIG)!r}]\n'
        "custom_imports = dict(imports=['hm2pnn'],\n"
        '                      allow_failed_imports=False)\n'
    )
    with pytest.raises(ImportError) as info:
        read_config(str(cfg))
    text = str(info.value)
    print('\nwhat the user sees:', text)
    assert text.startswith(f"config {cfg}: custom_imports cannot import 'hm2pnn'")
    assert "imported as 'hm2pn'" in text and 'PYTHONPATH' in text
