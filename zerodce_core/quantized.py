"""DCE-Net in int8, for CPUs whose fast reduced precision is int8 (VNNI), not bf16.

Most laptops and many servers have AVX-512 VNNI or AVX-VNNI but no bf16; there the network
ran in fp32. With VNNI an int8 convolution does four times the multiply-adds of an fp32 one
per instruction; oneDNN's int8 convolutions (the ones torch's x86 quantization lowers to,
on plain uint8 tensors) run DCE-Net's 3x3 layers 3-8x faster than fp32 on 2 cores.

- Weights: symmetric int8 per output channel.
- Activations: uint8 after each ReLU, one scale per layer; layers joined by a skip
  concatenation share a scale so the concatenation is a plain copy. The scales are fixed per
  model, measured once on `stress_chart` (one-pixel checkers, isolated dots, colour noise,
  full-range edges: the largest activations photos produce) at the exposure extremes, with
  headroom, so no photo is clipped by what the chart did not show.
- The exposure condition (`ExposureDCENet`) is a per-channel constant before each ReLU:
  it folds into the biases of the call.
- The input is the photo's own 8 bits (uint16 photos are rounded to 8 bits for the network
  only; the curves are still applied to every bit).

Outputs stay 60+ dB PSNR from fp32 on real photos (DICM: see benchmarks/bench_precision.py),
far inside the 35 dB the project allows for reduced precision.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .model import BASE_EXPOSURE, DCENet

#: Activation ranges get this much room above the stress chart's.
HEADROOM = 1.25
#: Exposure levels (between the lowest and highest the engine asks for) ranges are measured at.
CALIBRATION_POINTS = 3
#: Layers whose outputs are concatenated (0-based): they share a scale.
_SHARED = ((0, 5), (1, 4), (2, 3))
#: Which activation feeds each convolution (None: the photo; pairs enter concatenated).
_INPUTS = (None, 0, 1, 2, 2, 1, 0)
_UNIT = [1, 1]


def int8_available() -> bool:
    """True when this torch build has oneDNN's int8 convolutions (x86 builds)."""
    ops = torch.ops.onednn
    return hasattr(ops, "qconv_prepack") and hasattr(ops, "qconv2d_pointwise")


def quantizable(net: torch.nn.Module) -> bool:
    """Plain and exposure-conditioned DCE-Net; not Zero-DCE++ (its depthwise layers gain
    nothing from int8)."""
    return isinstance(net, DCENet)


def prepack(conv: torch.nn.Conv2d, x_scale: float, x_zero_point: int = 0,
            weight: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """oneDNN's packed int8 weights of `conv` (or of `weight` in its place), symmetric per
    output channel, for inputs of `x_scale` and `x_zero_point`; and the weights' scales."""
    weight = conv.weight.detach() if weight is None else weight
    w_scale = (weight.abs().amax((1, 2, 3)) / 127.0).clamp_min(1e-12)
    w_int = torch.round(weight / w_scale[:, None, None, None]).clamp_(-127, 127)
    packed = torch.ops.onednn.qconv_prepack(
        w_int.to(torch.int8), w_scale, x_scale, x_zero_point, list(conv.stride),
        list(conv.padding), list(conv.dilation), 1, None)
    return packed, w_scale


def stress_chart(side: int = 128, seed: int = 0) -> torch.Tensor:
    """A (1, 3, side, side) float image in [0, 1] that drives every layer to its extremes."""
    rng = np.random.default_rng(seed)
    q = side // 4
    yy, xx = np.mgrid[0:q, 0:q]
    img = np.zeros((side, side, 3), np.float32)
    img[:q, :q] = ((yy + xx) % 2)[..., None]  # one-pixel checkers
    img[:q, q : 2 * q] = ((yy // 4 + xx // 4) % 2)[..., None]
    img[:q, 2 * q : 3 * q] = rng.random((q, q, 3))  # colour noise
    img[:q:6, 3 * q :: 6] = 1.0  # isolated dots on black
    img[q : 2 * q] = np.linspace(0.0, 1.0, side)[None, :, None]
    img[2 * q : 3 * q] = rng.random((q, side, 1)) * 0.1  # dark noise
    img[3 * q :] = np.repeat(np.eye(3, dtype=np.float32), side // 3 + 1, 0)[:side][None]
    img[3 * q :, ::8] = 1.0 - img[3 * q :, ::8]
    return torch.from_numpy(img).permute(2, 0, 1)[None].contiguous()


class Int8DCENet:
    """A DCE-Net's int8 twin: `maps(patch, level)` gives the float net's maps within int8
    resolution. Made once per engine; calls are thread-safe (nothing changes after init)."""

    def __init__(self, net: DCENet, levels: tuple[float, float]) -> None:
        """`levels` is the range of exposure levels the net will be asked for."""
        net = net.float().eval()
        self.iterations = net.iterations
        convs = [getattr(net, f"e_conv{i}") for i in range(1, 8)]
        self._biases = [conv.bias.detach().clone() for conv in convs]
        shift = getattr(net, "exposure_shift", None)
        self._shift = None if shift is None else shift.detach().clone()
        peaks = _activation_peaks(net, self._bias_offsets, levels)
        scales = [0.0] * 6
        for a, b in _SHARED:
            scales[a] = scales[b] = max(peaks[a], peaks[b], 1e-3) * HEADROOM / 255.0
        self._out_scales = scales
        self._in_scales = [1.0 / 255.0 if i is None else scales[i] for i in _INPUTS]
        self._layers = [prepack(conv, x_scale) for conv, x_scale in
                        zip(convs, self._in_scales)]

    def _bias_offsets(self, level: float | None) -> list[torch.Tensor]:
        """What the exposure condition adds before each hidden layer's ReLU."""
        if self._shift is None or level is None:
            return [torch.zeros(len(bias)) for bias in self._biases[:6]]
        return [(level - BASE_EXPOSURE) * self._shift[layer] for layer in range(6)]

    def maps(self, patch: np.ndarray, level: float | None) -> torch.Tensor:
        """Curve maps (3k, h, w) float32 of `patch` (h, w, 3) uint8 or uint16."""
        if patch.dtype != np.uint8:
            patch = np.round(patch / np.float32(257.0)).astype(np.uint8)
        x = torch.from_numpy(np.ascontiguousarray(patch)).permute(2, 0, 1)[None]
        x = x.contiguous(memory_format=torch.channels_last)
        biases = [b + o for b, o in zip(self._biases, self._bias_offsets(level))]
        biases.append(self._biases[6])

        def conv(layer: int, h: torch.Tensor) -> torch.Tensor:
            packed, w_scale = self._layers[layer]
            last = layer == 6
            return torch.ops.onednn.qconv2d_pointwise(
                h, self._in_scales[layer], 0, packed, w_scale,
                torch.zeros(len(w_scale), dtype=torch.long), biases[layer], _UNIT, _UNIT,
                _UNIT, 1, 1.0 if last else self._out_scales[layer], 0,
                torch.float32 if last else None, "none" if last else "relu", [], "")

        with torch.inference_mode():  # the topology of CurveNet._trunk, on uint8 tensors
            x1 = conv(0, x)
            x2 = conv(1, x1)
            x3 = conv(2, x2)
            x4 = conv(3, x3)
            x5 = conv(4, torch.cat([x3, x4], 1))
            x6 = conv(5, torch.cat([x2, x5], 1))
            return torch.tanh_(conv(6, torch.cat([x1, x6], 1))[0])


def _activation_peaks(net: DCENet, offsets: Callable[[float | None], list[torch.Tensor]],
                      level_range: tuple[float, float]) -> list[float]:
    """The largest value each hidden layer's ReLU passes on the stress chart."""
    chart = stress_chart()
    peaks = [0.0] * 6
    levels = np.linspace(*level_range, CALIBRATION_POINTS) if net.takes_exposure else [None]
    with torch.inference_mode():
        for level in levels:
            added = offsets(None if level is None else float(level))

            def record(layer: int, h: torch.Tensor, added=added) -> torch.Tensor:
                h = h + added[layer][None, :, None, None]
                peaks[layer] = max(peaks[layer], float(h.max()))
                return h

            net._trunk(chart, record)
    return peaks
