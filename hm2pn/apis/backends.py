"""Accelerated network forward: ONNX Runtime or OpenVINO, fp32/bf16/int8.

Only the network (normalised crops (B, 3, H, W) -> heatmaps (B, K, h, w),
dynamic batch) leaves PyTorch: :func:`accelerate` replaces the model's
``extract_feat`` by the backend and its head's ``forward`` by a pass-through,
so MMPose's ``inference_topdown`` still crops, normalises, runs the flip test
and decodes. The ONNX file is exported once and cached next to the
checkpoint, named by a hash of the weights and the model config.
"""

import hashlib
import importlib
import json
import os
import os.path as osp
import warnings
from typing import List, Optional

import numpy as np
import torch
from torch import Tensor, nn

from .inference import InferenceError, read_image, read_json

BACKENDS = ('pytorch', 'onnxruntime', 'openvino')
PRECISIONS = ('fp32', 'bf16', 'int8')
OPSET = 17


class BackendUnavailableError(ImportError):
    """The backend's package is not installed."""


def require(package: str):
    """Import a backend package, or fail naming what to install."""
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise BackendUnavailableError(
            f'the {package} backend needs the "{package}" package: pip install {package} '
            '(bash tools/install.sh installs it from requirements/runtime.txt)'
        ) from exc


class HeatmapNet(nn.Module):
    """A top-down model's network, crops (B, 3, H, W) -> heatmaps (B, K, h, w)
    (HM2PN: backbone, coarse head and FineNet)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, crops: Tensor) -> Tensor:
        """Heatmaps (B, K, h, w) of normalised crops (B, 3, H, W)."""
        return self.model.head.forward(self.model.extract_feat(crops))


def export_onnx(model: nn.Module, out_file: str) -> str:
    """Export :class:`HeatmapNet` at the codec's input size, dynamic batch.

    Traced with autograd on: ``MSBottleneck``'s no-grad path writes partial
    sums with ``torch.add(..., out=<slice>)``, which the tracer does not follow.
    """
    w, h = model.head.decoder.input_size
    tmp = f'{out_file}.{os.getpid()}.tmp'
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(
            HeatmapNet(model).eval(),
            (torch.zeros(1, 3, h, w),),
            tmp,
            input_names=['input'],
            output_names=['heatmaps'],
            opset_version=OPSET,
            dynamo=False,
            dynamic_axes=dict(input={0: 'batch'}, heatmaps={0: 'batch'}),
        )
    os.replace(tmp, out_file)  # a crash never leaves half a cached file
    return out_file


def cached_onnx(model: nn.Module, checkpoint: Optional[str]) -> str:
    """The model's ONNX file, exported on first use.

    Cached as ``<checkpoint stem>.<key>.onnx`` next to the checkpoint
    (``~/.cache/hm2pn/onnx`` for random weights), ``key`` hashing the model
    config and the weights: a changed checkpoint or config exports again.
    """
    digest = hashlib.sha256(
        json.dumps(model.cfg.model.to_dict(), sort_keys=True, default=str).encode()
    )
    digest.update(f'{torch.__version__} opset{OPSET}'.encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode() + tensor.detach().cpu().contiguous().numpy().tobytes())
    folder = osp.dirname(osp.abspath(checkpoint)) if checkpoint else '~/.cache/hm2pn/onnx'
    stem = osp.splitext(osp.basename(checkpoint))[0] if checkpoint else 'random'
    path = osp.join(osp.expanduser(folder), f'{stem}.{digest.hexdigest()[:12]}.onnx')
    if not osp.isfile(path):
        require('onnx')
        os.makedirs(osp.dirname(path), exist_ok=True)
        export_onnx(model, path)
    return path


def record_crops(model: nn.Module, images: List[np.ndarray], boxes: List[np.ndarray]) -> np.ndarray:
    """The normalised crops (N, 3, H, W) MMPose makes of the images' boxes
    ((n, 4+) ``x1, y1, x2, y2``), without the flip test's mirrored ones."""
    from mmpose.apis import inference_topdown

    crops, flip = [], model.test_cfg.get('flip_test', False)
    hook = model.backbone.register_forward_pre_hook(lambda _, args: crops.append(args[0]))
    model.test_cfg['flip_test'] = False
    try:
        for image, bboxes in zip(images, boxes):
            inference_topdown(model, image, bboxes[:, :4])
    finally:
        hook.remove()
        model.test_cfg['flip_test'] = flip
    return torch.cat(crops).cpu().numpy().astype(np.float32)


def calibration_crops(
    model: nn.Module, ann_file: Optional[str] = None, img_dir: Optional[str] = None, num: int = 300
) -> np.ndarray:
    """Crops (num, 3, H, W) of persons of a COCO keypoint file, for int8.

    Args:
        model (nn.Module): From :func:`hm2pn.apis.load_model`.
        ann_file (str, optional): COCO keypoint annotations (``images``,
            ``annotations`` with ``bbox``); default: the config's training set.
        img_dir (str, optional): Folder of its images (default: the config's).
        num (int): Persons drawn at random (seed 0) among those with keypoints.
    """
    if ann_file is None:
        data = model.cfg.train_dataloader.dataset
        ann_file = osp.join(data.get('data_root', ''), data.ann_file)
        img_dir = img_dir or osp.join(data.get('data_root', ''), data.data_prefix.get('img', ''))
    if not osp.isfile(ann_file):
        raise InferenceError(
            f'{ann_file}: int8 calibration annotations not found: pass --calib-ann and '
            '--calib-img-dir (a COCO keypoint file of training images and their folder)'
        )
    ann = read_json(ann_file, 'a COCO keypoint annotation file')
    files = {img['id']: img['file_name'] for img in ann.get('images', [])}
    persons = [a for a in ann.get('annotations', []) if a.get('num_keypoints', 1) > 0]
    picked = np.random.default_rng(0).permutation(len(persons))[:num]
    images, boxes = [], []
    for index in sorted(picked):
        x, y, w, h = persons[index]['bbox']
        images.append(read_image(osp.join(img_dir or '', files[persons[index]['image_id']])))
        boxes.append(np.array([[x, y, x + w, y + h]], np.float32))
    return record_crops(model, images, boxes)


def quantize_int8(onnx_file: str, crops: np.ndarray) -> str:
    """Static int8 (QDQ, per-channel int8 weights, uint8 activations with
    min-max ranges over the calibration crops (N, 3, H, W)) by ONNX Runtime;
    cached next to ``onnx_file`` by a hash of the crops."""
    quant = importlib.import_module('onnxruntime.quantization')
    out = (
        f'{osp.splitext(onnx_file)[0]}.int8-{hashlib.sha256(crops.tobytes()).hexdigest()[:8]}.onnx'
    )
    if osp.isfile(out):
        return out

    class Reader(quant.CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter({'input': crops[i : i + 1]} for i in range(len(crops)))

        def get_next(self) -> Optional[dict]:
            return next(self.batches, None)

    tmp = f'{out}.{os.getpid()}.tmp'
    quant.quantize_static(
        onnx_file,
        tmp,
        Reader(),
        quant_format=quant.QuantFormat.QDQ,
        per_channel=True,
        activation_type=quant.QuantType.QUInt8,
        weight_type=quant.QuantType.QInt8,
        calibrate_method=quant.CalibrationMethod.MinMax,
        extra_options=dict(CalibMaxIntermediateOutputs=16),  # bounded memory
    )
    os.replace(tmp, out)
    return out


def backend_runner(backend: str, onnx_file: str, threads: int, precision: str):
    """A function crops (B, 3, H, W) -> heatmaps (B, K, h, w), both np.float32."""
    if backend == 'onnxruntime':
        ort = require('onnxruntime')
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        session = ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])
        return lambda crops: session.run(None, {'input': crops})[0]
    core = require('openvino').Core()
    if precision == 'bf16' and 'BF16' not in core.get_property('CPU', 'OPTIMIZATION_CAPABILITIES'):
        warnings.warn(
            'this CPU has no bf16 instructions (AVX512-BF16/AMX): OpenVINO runs fp32', stacklevel=2
        )
    hint = dict(INFERENCE_PRECISION_HINT='bf16' if precision == 'bf16' else 'f32')
    compiled = core.compile_model(onnx_file, 'CPU', dict(hint, INFERENCE_NUM_THREADS=threads))
    request = compiled.create_infer_request()
    return lambda crops: request.infer({0: crops})[0].copy()


def accelerate(
    model: nn.Module,
    backend: str = 'onnxruntime',
    precision: str = 'fp32',
    checkpoint: Optional[str] = None,
    threads: Optional[int] = None,
    calibration: Optional[np.ndarray] = None,
) -> nn.Module:
    """Run the model's network on an accelerated backend (in place).

    Args:
        model (nn.Module): Top-down heatmap model on CPU, from
            :func:`hm2pn.apis.load_model`.
        backend (str): One of :data:`BACKENDS`; ``'pytorch'`` changes nothing.
        precision (str): ``'fp32'``; ``'bf16'`` (OpenVINO); ``'int8'``
            (onnxruntime, static quantization on ``calibration``, default
            :func:`calibration_crops` of the config's training set).
        checkpoint (str, optional): The model's checkpoint; the ONNX file is
            cached next to it.
        threads (int, optional): Backend threads (default: torch's).
        calibration (np.ndarray, optional): int8 calibration crops (N, 3, H, W).

    Returns:
        nn.Module: The same model; ``inference_topdown`` works as before.
    """
    if backend not in BACKENDS or precision not in PRECISIONS:
        raise ValueError(f'{backend!r} / {precision!r}: choose from {BACKENDS} / {PRECISIONS}')
    needs = dict(fp32=BACKENDS, bf16=('openvino',), int8=('onnxruntime',))[precision]
    if backend not in needs:
        raise ValueError(
            f'--precision {precision} needs --backend {needs[0]} (OpenVINO 2026.4 fails to '
            'compile the int8 QDQ graph; onnxruntime has no bf16 CPU kernels)'
        )
    if backend == 'pytorch':
        return model
    require(backend)
    onnx_file = cached_onnx(model, checkpoint)
    if precision == 'int8':
        crops = calibration_crops(model) if calibration is None else calibration
        onnx_file = quantize_int8(onnx_file, crops)
    run = backend_runner(backend, onnx_file, threads or torch.get_num_threads(), precision)
    model.extract_feat = lambda x: (torch.from_numpy(run(x.float().cpu().numpy())).to(x.device),)
    model.head.forward = lambda feats: feats[-1]
    return model
