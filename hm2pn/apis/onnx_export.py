"""ONNX export of a top-down heatmap network, parity check and CPU timing.

The exported graph is the network only: a normalised crop (B, 3, H, W), as
MMPose's data preprocessor produces it (RGB, ``(x - mean) / std``), goes
through ``model.extract_feat`` and ``model.head.forward`` (for HM2PN: coarse
head and FineNet) to the heatmaps (B, K, h, w). Box cropping, flip test and
decoding stay outside (decode with the config's codec). The batch size is
dynamic.
"""
import time
import warnings
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn


class HeatmapNet(nn.Module):
    """The network part of a top-down heatmap model: crop -> heatmaps.

    Args:
        model (nn.Module): A ``TopdownPoseEstimator`` (e.g. from
            ``load_pose_model``); its own ``extract_feat`` and head forward
            are called, nothing is re-implemented.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, crops: Tensor) -> Tensor:
        """Heatmaps of normalised crops.

        Args:
            crops (Tensor): (B, 3, H, W), RGB, ``(x - mean) / std``.

        Returns:
            Tensor: Heatmaps (B, K, h, w) (HM2PN: the fine heatmaps).
        """
        heatmaps = self.model.head.forward(self.model.extract_feat(crops))
        if isinstance(heatmaps, (tuple, list)):
            raise TypeError(
                f'{type(self.model.head).__name__} returns '
                f'{type(heatmaps).__name__}, not one heatmap tensor: only '
                'heatmap heads can be exported with this tool')
        return heatmaps


def crop_size(model: nn.Module) -> Tuple[int, int]:
    """Input size ``(W, H)`` of the model's codec."""
    return tuple(model.head.decoder.input_size)


def export_onnx(model: nn.Module, out_file: str,
                input_size: Optional[Sequence[int]] = None,
                opset: int = 17) -> Tuple[int, int]:
    """Export :class:`HeatmapNet` with a dynamic batch dimension.

    Uses PyTorch's TorchScript-based exporter (``dynamo=False``), which needs
    only the ``onnx`` package.

    Args:
        model (nn.Module): Top-down heatmap model in eval mode, on CPU.
        out_file (str): The ``.onnx`` file to write.
        input_size (Sequence[int], optional): ``(W, H)``; defaults to the
            codec's input size.
        opset (int): ONNX opset.

    Returns:
        tuple[int, int]: The ``(W, H)`` exported.
    """
    w, h = input_size if input_size is not None else crop_size(model)
    net = HeatmapNet(model).eval()
    dummy = torch.zeros(1, 3, h, w)
    # Traced with autograd on, so that MSBottleneck takes its plain path:
    # its inference path (eval + no_grad) writes partial sums with
    # torch.add(..., out=<slice of a torch.empty_like buffer>), which the
    # tracer does not follow: traced under no_grad, an HM2PN-W32 checkpoint
    # gave heatmaps 0.55 away from PyTorch's (max 0.47); with autograd on,
    # 1.8e-5 (torch 2.14, onnxruntime 1.32).
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.filterwarnings('ignore', category=DeprecationWarning,
                                message='.*legacy TorchScript-based ONNX')
        torch.onnx.export(
            net, (dummy, ), out_file, input_names=['input'],
            output_names=['heatmaps'], opset_version=opset,
            dynamic_axes=dict(input={0: 'batch'}, heatmaps={0: 'batch'}),
            dynamo=False)
    return w, h


def ort_session(onnx_file: str, threads: Optional[int] = None):
    """An onnxruntime CPU session (``threads`` defaults to torch's)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_file, options,
                                providers=['CPUExecutionProvider'])


def check_parity(model: nn.Module, session, crops: Tensor) -> Dict[str, float]:
    """Compare PyTorch and onnxruntime heatmaps and decoded keypoints.

    Args:
        model (nn.Module): The exported model.
        session: onnxruntime session of the exported file.
        crops (Tensor): (B, 3, H, W) normalised crops.

    Returns:
        dict: ``max_abs_diff`` of the heatmaps, ``max_heatmap`` (their
        scale), ``max_kpt_diff`` (pixels in the crop) and ``max_score_diff``
        of the keypoints decoded by the model's codec, ``same_argmax`` (1.0
        when every heatmap peak is in the same cell).
    """
    with torch.no_grad():
        ref = HeatmapNet(model)(crops)
    out = torch.from_numpy(session.run(None, {'input': crops.numpy()})[0])
    ref_kpts = model.head.decode(ref)
    out_kpts = model.head.decode(out)
    kpt_diff = max(float(np.abs(a.keypoints - b.keypoints).max())
                   for a, b in zip(ref_kpts, out_kpts))
    score_diff = max(float(np.abs(a.keypoint_scores - b.keypoint_scores).max())
                     for a, b in zip(ref_kpts, out_kpts))
    flat_ref, flat_out = ref.flatten(2), out.flatten(2)
    return dict(max_abs_diff=float((ref - out).abs().max()),
                max_heatmap=float(ref.abs().max()),
                max_kpt_diff=kpt_diff, max_score_diff=score_diff,
                same_argmax=float(torch.equal(flat_ref.argmax(-1),
                                              flat_out.argmax(-1))))


def time_ms_per_image(run: Callable[[], object], batch: int,
                      repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``run()`` divided by the batch size, in ms."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000.0 / batch


def benchmark(model: nn.Module, session, input_size: Sequence[int],
              batches: Sequence[int] = (1, 8),
              repeats: int = 5) -> Dict[int, Tuple[float, float]]:
    """CPU ms/image of PyTorch and onnxruntime per batch size.

    Returns:
        dict: ``{batch: (torch_ms, onnxruntime_ms)}``.
    """
    w, h = input_size
    net = HeatmapNet(model).eval()
    results = {}
    for batch in batches:
        crops = torch.randn(batch, 3, h, w)
        array = crops.numpy()

        def run_torch() -> Tensor:
            with torch.no_grad():
                return net(crops)

        torch_ms = time_ms_per_image(run_torch, batch, repeats)
        ort_ms = time_ms_per_image(
            lambda: session.run(None, {'input': array}), batch, repeats)
        results[batch] = (torch_ms, ort_ms)
    return results
