"""Accelerated network forward: ONNX Runtime or OpenVINO, fp32/bf16/int8.

Only the network (normalised crops (B, 3, H, W) -> heatmaps (B, K, h, w),
dynamic batch) leaves PyTorch: :func:`accelerate` replaces the model's
``extract_feat`` by the backend and its head's ``forward`` by a pass-through,
so MMPose's own ``inference_topdown`` still crops, normalises, runs the flip
test and decodes. The ONNX file is exported once and cached next to the
checkpoint, named by a hash of the weights and the model config.
"""

import hashlib
import importlib
import json
import os
import os.path as osp
import warnings
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

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
            f'the {package} backend needs the "{package}" package: '
            f'pip install {package} (bash tools/install.sh installs it from '
            'requirements/runtime.txt)'
        ) from exc


class HeatmapNet(nn.Module):
    """The network of a top-down heatmap model: crops -> heatmaps.

    Args:
        model (nn.Module): A ``TopdownPoseEstimator``; its own
            ``extract_feat`` and ``head.forward`` run (HM2PN: coarse head
            and FineNet).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, crops: Tensor) -> Tensor:
        """Heatmaps (B, K, h, w) of normalised crops (B, 3, H, W)."""
        return self.model.head.forward(self.model.extract_feat(crops))


def export_onnx(model: nn.Module, out_file: str) -> str:
    """Export :class:`HeatmapNet` at the codec's input size, dynamic batch.

    Traced with autograd on: ``MSBottleneck``'s inference path (eval and
    no_grad) writes partial sums with ``torch.add(..., out=<slice>)``, which
    the tracer does not follow.
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


def model_key(model: nn.Module) -> str:
    """12 hex digits of a hash of the weights and the model config."""
    digest = hashlib.sha256(
        json.dumps(model.cfg.model.to_dict(), sort_keys=True, default=str).encode()
    )
    digest.update(f'{torch.__version__} opset{OPSET}'.encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:12]


def cached_onnx(model: nn.Module, checkpoint: Optional[str]) -> str:
    """The model's ONNX file, exported on first use.

    Cached as ``<checkpoint stem>.<key>.onnx`` next to the checkpoint
    (``~/.cache/hm2pn/onnx`` for random weights), ``key`` from
    :func:`model_key`: a changed checkpoint or config exports again.
    """
    folder = (
        osp.dirname(osp.abspath(checkpoint))
        if checkpoint
        else osp.expanduser('~/.cache/hm2pn/onnx')
    )
    stem = osp.splitext(osp.basename(checkpoint))[0] if checkpoint else 'random'
    path = osp.join(folder, f'{stem}.{model_key(model)}.onnx')
    if not osp.isfile(path):
        require('onnx')
        os.makedirs(folder, exist_ok=True)
        export_onnx(model, path)
    return path


def quantize_int8(onnx_file: str, crops: np.ndarray) -> str:
    """Static int8 (QDQ, per-channel weights, min-max calibration) by ORT.

    Args:
        onnx_file (str): The fp32 model.
        crops (np.ndarray): Calibration crops (N, 3, H, W), as the model's
            data preprocessor gives them (see :func:`record_crops`).

    Returns:
        str: The int8 model, cached next to ``onnx_file`` by a hash of the
        calibration crops.
    """
    require('onnxruntime')
    quant = importlib.import_module('onnxruntime.quantization')
    key = hashlib.sha256(crops.tobytes()).hexdigest()[:8]
    out = f'{osp.splitext(onnx_file)[0]}.int8-{key}.onnx'
    if osp.isfile(out):
        return out

    class Reader(quant.CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{'input': crops[i : i + 8]} for i in range(0, len(crops), 8)])

        def get_next(self):
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
    )
    os.replace(tmp, out)
    return out


def onnxruntime_runner(onnx_file: str, threads: int, precision: str = 'fp32') -> Callable:
    """ONNX Runtime CPU session: crops (B, 3, H, W) -> heatmaps."""
    ort = require('onnxruntime')
    if precision == 'bf16':
        raise ValueError(
            'onnxruntime has no bf16 CPU kernels: use --backend openvino --precision bf16'
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])
    return lambda crops: session.run(None, {'input': crops})[0]


def openvino_runner(onnx_file: str, threads: int, precision: str = 'fp32') -> Callable:
    """OpenVINO CPU model of the ONNX file."""
    ov = require('openvino')
    hint = 'bf16' if precision == 'bf16' else 'f32'
    compiled = ov.Core().compile_model(
        onnx_file,
        'CPU',
        {
            'INFERENCE_NUM_THREADS': threads,
            'INFERENCE_PRECISION_HINT': hint,
            'PERFORMANCE_HINT': 'LATENCY',
        },
    )
    request = compiled.create_infer_request()

    def run(crops: np.ndarray) -> np.ndarray:
        request.infer({0: crops})
        return request.get_output_tensor(0).data.copy()

    return run


class BackendFeatures:
    """Stands in for ``model.extract_feat``: crops -> ``(heatmaps, )``."""

    def __init__(self, run: Callable[[np.ndarray], np.ndarray]) -> None:
        self.run = run

    def __call__(self, inputs: Tensor) -> Tuple[Tensor]:
        crops = inputs.detach().float().cpu().contiguous().numpy()
        return (torch.from_numpy(self.run(crops)).to(inputs.device),)


def _heatmaps_of(feats: Tuple[Tensor]) -> Tensor:
    """Stands in for ``head.forward``: the backend's heatmaps unchanged."""
    return feats[-1]


def record_crops(
    model: nn.Module, images: List[np.ndarray], boxes: List[Optional[np.ndarray]]
) -> np.ndarray:
    """The normalised crops MMPose makes of these images and boxes.

    Returns:
        np.ndarray: (N, 3, H, W) float32, e.g. int8 calibration data.
    """
    from mmpose.apis import inference_topdown

    crops = []
    original, replaced = model.extract_feat, model.__dict__.get('extract_feat')

    def record(inputs: Tensor):
        crops.append(inputs.cpu().numpy())
        return original(inputs)

    model.extract_feat = record
    try:
        for image, bboxes in zip(images, boxes):
            if bboxes is None or len(bboxes):
                inference_topdown(model, image, None if bboxes is None else bboxes[:, :4])
    finally:
        if replaced is None:
            del model.extract_feat
        else:
            model.extract_feat = replaced
    return np.concatenate(crops).astype(np.float32)


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
        backend (str): One of :data:`BACKENDS`; ``'pytorch'`` changes
            nothing.
        precision (str): ``'fp32'``; ``'bf16'`` (OpenVINO, on CPUs with
            bf16 instructions, else OpenVINO runs fp32); ``'int8'``
            (onnxruntime; static quantization, needs ``calibration``).
        checkpoint (str, optional): The model's checkpoint; the ONNX file is
            cached next to it.
        threads (int, optional): Backend threads (default: torch's).
        calibration (np.ndarray, optional): int8 calibration crops
            (N, 3, H, W), from :func:`record_crops`.

    Returns:
        nn.Module: The same model; ``inference_topdown`` works as before.
    """
    if backend not in BACKENDS or precision not in PRECISIONS:
        raise ValueError(
            f'backend {backend!r} / precision {precision!r}: choose from {BACKENDS} / {PRECISIONS}'
        )
    if backend == 'pytorch':
        if precision != 'fp32':
            raise ValueError(f'--precision {precision} needs --backend onnxruntime or openvino')
        return model
    if backend == 'openvino' and precision == 'int8':
        raise ValueError(
            '--precision int8 runs on --backend onnxruntime '
            '(OpenVINO 2026.4 fails on the quantized graph)'
        )
    require(backend)
    onnx_file = cached_onnx(model, checkpoint)
    if precision == 'int8':
        if calibration is None or not len(calibration):
            raise ValueError('--precision int8 needs calibration crops')
        onnx_file = quantize_int8(onnx_file, calibration)
    runner = onnxruntime_runner if backend == 'onnxruntime' else openvino_runner
    model.extract_feat = BackendFeatures(
        runner(onnx_file, threads or torch.get_num_threads(), precision)
    )
    model.head.forward = _heatmaps_of
    return model
