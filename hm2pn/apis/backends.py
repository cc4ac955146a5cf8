"""The network (crops (B, 3, H, W) -> heatmaps (B, K, h, w)) on ONNX Runtime
or OpenVINO, fp32/bf16/int8; ``inference_topdown`` still crops and decodes.

The exported ONNX file and its int8 version are cached next to the
checkpoint under a key of everything that changes them (:func:`onnx_key`,
:func:`int8_key`): a new hm2pn, torch, onnx or onnxruntime, a changed line
of a module the export traces, other weights or calibration settings give a
new file; :data:`CACHE_FORMAT` is bumped when the export itself changes.
"""

import copy
import dataclasses
import hashlib
import importlib
import inspect
import json
import os
import os.path as osp
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
from mmpose.apis import inference_topdown
from mmpose.structures.bbox import bbox_xywh2xyxy
from torch import nn

from ..version import __version__
from .inference import read_image, read_json

BACKENDS = ('pytorch', 'onnxruntime', 'openvino')
PRECISIONS = ('fp32', 'bf16', 'int8')
OPSET = 17
#: Version of the cached files' recipe: bump it when export or quantization change.
CACHE_FORMAT = 2
#: ONNX Runtime static quantization (names of ``onnxruntime.quantization``'s
#: enums): QDQ, per-channel int8 weights, uint8 activations, min-max ranges;
#: at most 16 intermediate outputs collected at once (bounded memory).
INT8_SETTINGS: Dict[str, Any] = dict(
    quant_format='QDQ',
    per_channel=True,
    activation_type='QUInt8',
    weight_type='QInt8',
    calibrate_method='MinMax',
    extra_options=dict(CalibMaxIntermediateOutputs=16),
)


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


def check_backend(backend: str, precision: str) -> None:
    """Checks ``backend``/``precision`` before any model work: a known pair
    that works together, and the backend's package installed.

    Raises:
        ValueError: An unknown or unsupported combination.
        BackendUnavailableError: The backend's package is missing.
    """
    if backend not in BACKENDS or precision not in PRECISIONS:
        raise ValueError(f'{backend!r} / {precision!r}: choose from {BACKENDS} / {PRECISIONS}')
    needs = dict(fp32=BACKENDS, bf16=('openvino',), int8=('onnxruntime',))[precision]
    if backend not in needs:
        raise ValueError(
            f'--precision {precision} needs --backend {needs[0]} (OpenVINO 2026.4 fails to '
            'compile the int8 QDQ graph; onnxruntime has no bf16 CPU kernels)'
        )
    if backend != 'pytorch':
        require(backend)


def _function_code(func: Callable) -> bytes:
    """A function's source and its bytecode and names (a wrapper with
    ``functools.wraps`` shows the original's source, not its bytecode);
    nothing that changes from one process to the next (no addresses)."""
    try:
        source = inspect.getsource(func).encode()
    except (OSError, TypeError):
        source = b''
    code = getattr(func, '__code__', None)
    return source + (code.co_code + repr(code.co_names).encode() if code else b'')


def code_digest(model: nn.Module) -> str:
    """SHA-256 of the code the export traces: the source files of the
    model's module classes (and their bases, torch's own excepted: the torch
    version is in the key) and each of their methods as it is now (a
    monkeypatched ``forward`` counts)."""
    classes = {
        klass
        for module in model.modules()
        for klass in type(module).__mro__
        if klass not in (nn.Module, object) and not klass.__module__.startswith('torch.')
    }
    digest, files = hashlib.sha256(), set()
    for klass in sorted(classes, key=lambda c: f'{c.__module__}.{c.__qualname__}'):
        digest.update(f'{klass.__module__}.{klass.__qualname__}'.encode())
        try:
            files.add(inspect.getsourcefile(klass))
        except TypeError:  # built-in
            pass
        for name, attr in sorted(vars(klass).items()):
            func = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
            if inspect.isfunction(func):
                digest.update(name.encode() + _function_code(func))
    for module in model.modules():  # methods set on an instance
        for name, attr in sorted(vars(module).items()):
            if inspect.isfunction(attr) or inspect.ismethod(attr):
                digest.update(name.encode() + _function_code(attr))
    for path in sorted(f for f in files if f):
        with open(path, 'rb') as f:
            digest.update(path.encode() + f.read())
    return digest.hexdigest()


def onnx_key(model: nn.Module) -> Dict[str, str]:
    """What the exported ONNX file depends on, besides the weights."""
    return dict(
        format=str(CACHE_FORMAT),
        hm2pn=__version__,
        torch=torch.__version__,
        onnx=require('onnx').__version__,
        opset=str(OPSET),
        config=json.dumps(model.cfg.model.to_dict(), sort_keys=True, default=str),
        code=code_digest(model),
    )


def export_onnx(model: nn.Module, checkpoint: Optional[str], out_file: Optional[str] = None) -> str:
    """Exports ``model(crops, None)`` (crops (B, 3, H, W) -> heatmaps, dynamic
    batch) to ``out_file``, by default once to ``<checkpoint stem>.<key>.onnx``
    next to the checkpoint (``~/.cache/hm2pn/onnx`` for random weights), ``key``
    hashing :func:`onnx_key` and the weights. Returns the file.

    Exported from a CPU copy of the model, whatever its device. Traced with
    autograd on: ``MSBottleneck``'s no-grad path writes partial sums with
    ``torch.add(..., out=<slice>)``, which the tracer does not follow.
    """
    path = out_file
    if path is None:  # the cached file
        digest = hashlib.sha256(json.dumps(onnx_key(model), sort_keys=True).encode())
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
    net = copy.deepcopy(model).cpu().eval()  # the dummy input is on CPU
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(net, (torch.zeros(1, 3, h, w), None), tmp, **options)
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


def calibration_sources(
    model: nn.Module, ann_file: Optional[str] = None, img_dir: Optional[str] = None
) -> Tuple[str, str]:
    """(COCO keypoint file, image folder) to calibrate on: the given ones, or
    the config's training set."""
    if ann_file is None:
        data = model.cfg.train_dataloader.dataset
        ann_file = osp.join(data.get('data_root', ''), data.ann_file)
        img_dir = img_dir or osp.join(data.get('data_root', ''), data.data_prefix.get('img', ''))
    return ann_file, img_dir or ''


def calibration_crops(
    model: nn.Module, ann_file: Optional[str] = None, img_dir: Optional[str] = None, num: int = 300
) -> np.ndarray:
    """Crops (num, 3, H, W) of ``num`` persons with keypoints drawn at random
    (seed 0) from a COCO keypoint file ``ann_file`` with images in ``img_dir``
    (default: the config's training set), for int8 calibration."""
    ann_file, img_dir = calibration_sources(model, ann_file, img_dir)
    ann = read_json(ann_file, 'int8 calibration annotations (pass --calib-ann, --calib-img-dir)')
    files = {img['id']: img['file_name'] for img in ann.get('images', [])}
    persons = [a for a in ann.get('annotations', []) if a.get('num_keypoints', 1) > 0]
    picked = [persons[i] for i in sorted(np.random.default_rng(0).permutation(len(persons))[:num])]
    images = [read_image(osp.join(img_dir, files[p['image_id']])) for p in picked]
    boxes = [bbox_xywh2xyxy(np.array([p['bbox']], np.float32)) for p in picked]
    return record_crops(model, images, boxes)


@dataclasses.dataclass(frozen=True)
class Calibration:
    """int8 calibration settings (:func:`calibration_crops`); the crops are
    computed only when the quantized model is not cached yet."""

    ann_file: Optional[str] = None
    img_dir: Optional[str] = None
    num: int = 300

    def key(self, model: nn.Module) -> Dict[str, Any]:
        """What the crops depend on: the files (path, size, time) and count."""
        ann_file, img_dir = calibration_sources(model, self.ann_file, self.img_dir)
        stat = os.stat(ann_file) if osp.isfile(ann_file) else None
        files = dict(ann_file=osp.realpath(ann_file), img_dir=osp.realpath(img_dir))
        if stat is not None:
            files.update(ann_size=stat.st_size, ann_mtime=stat.st_mtime_ns)
        return dict(files, num=self.num, seed=0, crop=list(model.head.decoder.input_size))

    def crops(self, model: nn.Module) -> np.ndarray:
        """The calibration crops (num, 3, H, W)."""
        return calibration_crops(model, self.ann_file, self.img_dir, self.num)


def int8_key(calibration: Dict[str, Any]) -> Dict[str, Any]:
    """What the int8 file depends on besides its ONNX file: the calibration
    (``calibration``), :data:`INT8_SETTINGS` and the onnxruntime version."""
    ort = require('onnxruntime')
    return dict(
        format=CACHE_FORMAT, onnxruntime=ort.__version__, settings=INT8_SETTINGS, calib=calibration
    )


def quantize_int8(
    onnx_file: str,
    crops: Union[np.ndarray, Callable[[], np.ndarray]],
    calibration: Optional[Dict[str, Any]] = None,
) -> str:
    """Static int8 (:data:`INT8_SETTINGS`) of ``onnx_file`` by ONNX Runtime,
    calibrated on ``crops`` (N, 3, H, W), or a function computing them, run
    only when the file is not cached yet. Cached next to ``onnx_file`` by
    :func:`int8_key` of ``calibration`` (what the crops depend on; default:
    a hash of the crops array)."""
    if calibration is None:
        if callable(crops):
            raise ValueError('quantize_int8: pass the calibration key with a crops function')
        calibration = dict(crops=hashlib.sha256(crops.tobytes()).hexdigest())
    key = json.dumps(int8_key(calibration), sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    out = f'{osp.splitext(onnx_file)[0]}.int8-{digest}.onnx'
    if osp.isfile(out):
        return out
    crops = crops() if callable(crops) else crops
    quant = importlib.import_module('onnxruntime.quantization')
    batches = iter({'input': crops[i : i + 1]} for i in range(len(crops)))
    reader = type(
        'Reader', (quant.CalibrationDataReader,), dict(get_next=lambda _: next(batches, None))
    )
    settings = dict(INT8_SETTINGS)
    settings.update(
        quant_format=quant.QuantFormat[settings['quant_format']],
        activation_type=quant.QuantType[settings['activation_type']],
        weight_type=quant.QuantType[settings['weight_type']],
        calibrate_method=quant.CalibrationMethod[settings['calibrate_method']],
        extra_options=dict(settings['extra_options']),
    )
    tmp = f'{out}.{os.getpid()}.tmp'
    quant.quantize_static(onnx_file, tmp, reader(), **settings)
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
    calibration: Union[None, np.ndarray, Calibration] = None,
) -> nn.Module:
    """Runs the network of a model from ``load_model`` on ``backend``
    (``'pytorch'``: unchanged) at ``precision`` (``'bf16'``: OpenVINO;
    ``'int8'``: onnxruntime, calibrated on ``calibration``: crops (N, 3, H, W)
    or the :class:`Calibration` settings, default ``Calibration()``, whose
    crops are computed only when the int8 file is not cached) with
    ``threads`` (default: torch's), the ONNX file cached next to
    ``checkpoint``. The backend runs on CPU; heatmaps return to the model's
    device. Returns the same model."""
    check_backend(backend, precision)
    if backend == 'pytorch':
        return model
    onnx_file = export_onnx(model, checkpoint)
    if precision == 'int8':
        if isinstance(calibration, np.ndarray):
            onnx_file = quantize_int8(onnx_file, calibration)
        else:
            spec = calibration or Calibration()
            onnx_file = quantize_int8(onnx_file, lambda: spec.crops(model), spec.key(model))
    run = backend_runner(backend, onnx_file, threads or torch.get_num_threads(), precision)
    model.extract_feat = lambda x: (torch.from_numpy(run(x.float().cpu().numpy())).to(x.device),)
    model.head.forward = lambda feats: feats[-1]
    return model
