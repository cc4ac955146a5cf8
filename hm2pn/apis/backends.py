"""The network (crops (B, 3, H, W) -> heatmaps (B, K, h, w)) on ONNX Runtime
or OpenVINO, fp32/bf16/int8; ``inference_topdown`` still crops and decodes."""

import hashlib
import importlib
import json
import os
import os.path as osp
import warnings
from typing import List, Optional

import numpy as np
import torch
from mmpose.apis import inference_topdown
from mmpose.structures.bbox import bbox_xywh2xyxy
from torch import nn

from .inference import read_image, read_json

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


def export_onnx(model: nn.Module, checkpoint: Optional[str], out_file: Optional[str] = None) -> str:
    """Exports ``model(crops, None)`` (crops (B, 3, H, W) -> heatmaps, dynamic
    batch) to ``out_file``, by default once to ``<checkpoint stem>.<key>.onnx``
    next to the checkpoint (``~/.cache/hm2pn/onnx`` for random weights), ``key``
    hashing the model config and weights. Returns the file.

    Traced with autograd on: ``MSBottleneck``'s no-grad path writes partial
    sums with ``torch.add(..., out=<slice>)``, which the tracer does not follow.
    """
    path = out_file
    if path is None:  # the cached file, keyed by config and weights
        config = json.dumps(model.cfg.model.to_dict(), sort_keys=True, default=str)
        digest = hashlib.sha256(config.encode())
        digest.update(f'{torch.__version__} opset{OPSET}'.encode())
        for name, tensor in model.state_dict().items():
            digest.update(name.encode() + tensor.detach().cpu().contiguous().numpy().tobytes())
        folder = osp.dirname(osp.abspath(checkpoint)) if checkpoint else '~/.cache/hm2pn/onnx'
        stem = osp.splitext(osp.basename(checkpoint))[0] if checkpoint else 'random'
        path = osp.join(osp.expanduser(folder), f'{stem}.{digest.hexdigest()[:12]}.onnx')
        if osp.isfile(path):
            return path
    require('onnx')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    w, h = model.head.decoder.input_size
    tmp = f'{path}.{os.getpid()}.tmp'
    options = dict(input_names=['input'], output_names=['heatmaps'], opset_version=OPSET)
    options.update(dynamo=False, dynamic_axes=dict(input={0: 'batch'}, heatmaps={0: 'batch'}))
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model.eval(), (torch.zeros(1, 3, h, w), None), tmp, **options)
    os.replace(tmp, path)  # a crash never leaves half a cached file
    return path


def record_crops(model: nn.Module, images: List[np.ndarray], boxes: List[np.ndarray]) -> np.ndarray:
    """The normalised crops (N, 3, H, W) MMPose makes of the images' boxes
    ((n, 4+) ``x1, y1, x2, y2``), without the flip test's mirrored ones."""
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
    """Crops (num, 3, H, W) of ``num`` persons with keypoints drawn at random
    (seed 0) from a COCO keypoint file ``ann_file`` with images in ``img_dir``
    (default: the config's training set), for int8 calibration."""
    if ann_file is None:
        data = model.cfg.train_dataloader.dataset
        ann_file = osp.join(data.get('data_root', ''), data.ann_file)
        img_dir = img_dir or osp.join(data.get('data_root', ''), data.data_prefix.get('img', ''))
    ann = read_json(ann_file, 'int8 calibration annotations (pass --calib-ann, --calib-img-dir)')
    files = {img['id']: img['file_name'] for img in ann.get('images', [])}
    persons = [a for a in ann.get('annotations', []) if a.get('num_keypoints', 1) > 0]
    picked = [persons[i] for i in sorted(np.random.default_rng(0).permutation(len(persons))[:num])]
    images = [read_image(osp.join(img_dir or '', files[p['image_id']])) for p in picked]
    boxes = [bbox_xywh2xyxy(np.array([p['bbox']], np.float32)) for p in picked]
    return record_crops(model, images, boxes)


def quantize_int8(onnx_file: str, crops: np.ndarray) -> str:
    """Static int8 (QDQ, per-channel int8 weights, uint8 activations with
    min-max ranges over the calibration crops (N, 3, H, W)) by ONNX Runtime;
    cached next to ``onnx_file`` by a hash of the crops."""
    quant = importlib.import_module('onnxruntime.quantization')
    digest = hashlib.sha256(crops.tobytes()).hexdigest()[:8]
    out = f'{osp.splitext(onnx_file)[0]}.int8-{digest}.onnx'
    if osp.isfile(out):
        return out
    batches = iter({'input': crops[i : i + 1]} for i in range(len(crops)))
    reader = type(
        'Reader', (quant.CalibrationDataReader,), dict(get_next=lambda _: next(batches, None))
    )
    tmp = f'{out}.{os.getpid()}.tmp'
    options = dict(quant_format=quant.QuantFormat.QDQ, per_channel=True)
    options.update(activation_type=quant.QuantType.QUInt8, weight_type=quant.QuantType.QInt8)
    options.update(calibrate_method=quant.CalibrationMethod.MinMax)
    options.update(extra_options=dict(CalibMaxIntermediateOutputs=16))  # bounded memory
    quant.quantize_static(onnx_file, tmp, reader(), **options)
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
    """Runs the network of a CPU model from ``load_model`` on ``backend``
    (``'pytorch'``: unchanged) at ``precision`` (``'bf16'``: OpenVINO;
    ``'int8'``: onnxruntime, calibrated on ``calibration`` crops (N, 3, H, W),
    default :func:`calibration_crops`) with ``threads`` (default: torch's),
    the ONNX file cached next to ``checkpoint``. Returns the same model."""
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
    onnx_file = export_onnx(model, checkpoint)
    if precision == 'int8':
        crops = calibration_crops(model) if calibration is None else calibration
        onnx_file = quantize_int8(onnx_file, crops)
    run = backend_runner(backend, onnx_file, threads or torch.get_num_threads(), precision)
    model.extract_feat = lambda x: (torch.from_numpy(run(x.float().cpu().numpy())).to(x.device),)
    model.head.forward = lambda feats: feats[-1]
    return model
