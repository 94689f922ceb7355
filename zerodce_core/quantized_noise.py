"""The noise network (`NoiseUNet`) in int8, for CPUs with VNNI but no bf16.

There the network ran in fp32 and noise reduction took 1.7 s of a 12 MP photo's 1.5 s
budget; oneDNN's int8 convolutions do four times the multiply-adds per instruction.

- Weights: symmetric int8 per output channel (`quantized.prepack`).
- Activations: uint8 with a zero point, one scale per layer. oneDNN's int8 convolution in
  torch has no LeakyReLU post-op, so each convolution writes its raw output and a 256-entry
  table (`cv2.LUT`, in place) applies LeakyReLU and moves it to the activation's own scale,
  whose negative side is a tenth as wide. The two halves of the skip concatenation share a
  scale, so the concatenation is a plain copy; the last layer writes float32.
- Ranges are measured when the model loads, whatever its weights, on the stress chart of
  `quantized` with noise and noise maps over the whole range the network is told, with
  `quantized.HEADROOM` above them; first each layer's channels are scaled to one range
  (`_equalize`: the same function), so one scale per layer fits them all.
- Input: the photo's own 8 bits (uint16 photos are rounded to 8 bits for the network only;
  the residual is subtracted from every bit) and the sigma map in 255 steps up to the largest
  sigma the network is told; the first layer's weights absorb the map's scale.
"""

from __future__ import annotations

import copy

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .model import NOISE_INPUT_SCALE, NoiseUNet
from .quantized import HEADROOM, prepack, stress_chart

#: Side of the calibration chart (full-resolution pixels).
CHART_SIDE = 256
#: The convolutions (0-based, head, middle, tail) whose outputs the skip concatenation joins:
#: the head's last activation and the middle's 1x1 output (no activation), pixel-shuffled.
_SKIP = (1, 6)
#: Each hidden convolution, the convolutions that read its output (and from which input
#: channel on), and how many of its channels make one input channel there (the 1x1 layer's
#: four make one after the pixel shuffle).
_LINKS = ((0, ((1, 0),), 1), (1, ((2, 0), (7, 0)), 1), (2, ((3, 0),), 1), (3, ((4, 0),), 1),
          (4, ((5, 0),), 1), (5, ((6, 0),), 1), (6, ((7, 24),), 4), (7, ((8, 0),), 1))
#: Equalization raises a channel's range at most this many times (its consumers' weights
#: shrink as much, and they are int8 too).
MAX_EQUALIZE = 16.0


def quantizable_noise(net: torch.nn.Module) -> bool:
    """The U-shaped noise network; the plain `NoiseNet` stays in float."""
    return isinstance(net, NoiseUNet)


def _convolutions(net: NoiseUNet) -> list[torch.nn.Conv2d]:
    return [m for part in (net.head, net.middle, net.tail) for m in part
            if isinstance(m, torch.nn.Conv2d)]


def _qparams(low: float, high: float) -> tuple[float, int]:
    """uint8 scale and zero point covering [low, high] (and 0) with headroom."""
    low, high = min(low, 0.0) * HEADROOM, max(high, 0.0) * HEADROOM
    scale = max(high - low, 1e-3) / 255.0
    return scale, int(round(-low / scale))


def _calibration_input(sigma_max: float, seed: int = 0) -> torch.Tensor:
    """(2, 15, s/2, s/2) network inputs: the stress chart with noise of a sigma rising from 0
    to `sigma_max` across it and that map, and the clean chart with the same map."""
    chart = stress_chart(CHART_SIDE, seed)
    half = CHART_SIDE // 2
    sigma = torch.linspace(0.0, sigma_max, half).expand(1, 3, half, half)
    noise = torch.randn(chart.shape, generator=torch.Generator().manual_seed(seed))
    noisy = (chart + noise * F.interpolate(sigma, scale_factor=2.0)).clamp_(0.0, 1.0)
    images = torch.cat([noisy, chart])
    return torch.cat([F.pixel_unshuffle(images, 2), sigma.expand(2, -1, -1, -1) *
                      NOISE_INPUT_SCALE], 1)


def _channel_ranges(net: NoiseUNet, sigma_max: float) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The smallest and largest output of each convolution's channels on the calibration
    input."""
    ranges: list[tuple[torch.Tensor, torch.Tensor]] = []

    def record(_module, _inputs, output: torch.Tensor) -> None:
        ranges.append((output.amin((0, 2, 3)), output.amax((0, 2, 3))))

    hooks = [conv.register_forward_hook(record) for conv in _convolutions(net)]
    try:
        with torch.inference_mode():
            net.unit_noise(_calibration_input(sigma_max))
    finally:
        for hook in hooks:
            hook.remove()
    return ranges


def _equalize(net: NoiseUNet, sigma_max: float) -> None:
    """Scale each hidden channel of `net` (in place) to the same range, and its consumers'
    weights inversely: the same function, as LeakyReLU commutes with positive scaling, but
    one scale per layer then fits every channel (cross-layer equalization, Nagel et al.
    2019). The first shipped model's channels spanned 0.4-5 within a layer, which put the
    median channel on a step 2-6 times too coarse (DICM: 2-4 dB PSNR lost)."""
    convs = _convolutions(net)
    ranges = _channel_ranges(net, sigma_max)
    with torch.no_grad():
        for layer, consumers, group in _LINKS:
            low, high = ranges[layer]
            span = torch.maximum(high, -low).reshape(-1, group).amax(1)
            if float(span.max()) < 1e-6:  # a dead layer: nothing to fit
                continue
            ratio = span.clamp_min(float(span.max()) / MAX_EQUALIZE)
            convs[layer].weight /= ratio.repeat_interleave(group)[:, None, None, None]
            convs[layer].bias /= ratio.repeat_interleave(group)
            for consumer, offset in consumers:
                convs[consumer].weight[:, offset : offset + len(ratio)] *= ratio[:, None, None]


class Int8NoiseUNet:
    """A NoiseUNet's int8 twin: `unit_noise` gives the float net's within int8 resolution.
    Made once per denoiser; calls are thread-safe (nothing changes after init)."""

    def __init__(self, net: NoiseUNet, sigma_max: float) -> None:
        """`sigma_max`: the largest sigma the network is told (the input map's full scale)."""
        net = copy.deepcopy(net).float().cpu().eval()
        self.sigma_max = sigma_max
        slope = float(net.head[1].negative_slope)
        _equalize(net, sigma_max)
        convs = _convolutions(net)
        ranges = [(float(low.min()), float(high.max()))
                  for low, high in _channel_ranges(net, sigma_max)]
        raw = [_qparams(*r) for r in ranges]  # each convolution's own output
        active = [_qparams(slope * low, high) for low, high in ranges]  # after LeakyReLU
        near, middle = ranges[_SKIP[0]], ranges[_SKIP[1]]
        skip = _qparams(min(slope * near[0], middle[0]), max(near[1], middle[1]))
        active[_SKIP[0]] = raw[_SKIP[1]] = skip
        self._out = raw
        self._tables = [_leaky_table(raw[i], active[i], slope) for i in range(len(convs))]
        inputs = [(1.0 / 255.0, 0), *active[:6], skip, active[7]]
        first = convs[0].weight.detach().clone()
        first[:, 12:] *= sigma_max * NOISE_INPUT_SCALE  # the map arrives as sigma / sigma_max
        self._layers = [(*prepack(conv, x_scale, x_zero, first if i == 0 else None),
                         conv.bias.detach().clone(), x_scale, x_zero, conv)
                        for i, (conv, (x_scale, x_zero)) in enumerate(zip(convs, inputs))]

    def inputs(self, window: np.ndarray, sigma: np.ndarray) -> torch.Tensor:
        """The network's uint8 input (1, 15, h, w), channels-last, from a full-resolution
        `window` (H, W, 3; uint8/uint16; H, W even) and its half-resolution float `sigma`
        (<= sigma_max); h and w are rounded up to even by repeating the last row and column,
        as `NoiseUNet.unit_noise` pads."""
        if window.dtype != np.uint8:
            window = np.round(window / np.float32(257.0)).astype(np.uint8)
        h, w = window.shape[0] // 2, window.shape[1] // 2
        packed = window.reshape(h, 2, w, 2, 3).transpose(0, 2, 4, 1, 3).reshape(h, w, 12)
        level = np.round(sigma * np.float32(255.0 / self.sigma_max)).astype(np.uint8)
        x = np.concatenate([packed, level], 2)
        if h % 2 or w % 2:
            x = np.pad(x, ((0, h % 2), (0, w % 2), (0, 0)), "edge")
        return torch.from_numpy(x).permute(2, 0, 1)[None]

    def unit_noise(self, x: torch.Tensor) -> torch.Tensor:
        """(1, 12, h, w) float32 noise / sigma of the `inputs` x, as `NoiseUNet.unit_noise`
        computes it in float (the same layers in the same order)."""
        with torch.inference_mode():
            near = self._conv(1, self._conv(0, x))
            middle = near
            for layer in range(2, 7):
                middle = self._conv(layer, middle)
            joined = torch.cat([near, F.pixel_shuffle(middle, 2)], 1)
            return self._conv(8, self._conv(7, joined))

    def _conv(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        packed, w_scale, bias, x_scale, x_zero, conv = self._layers[layer]
        last = layer == len(self._layers) - 1
        scale, zero = (1.0, 0) if last else self._out[layer]
        y = torch.ops.onednn.qconv2d_pointwise(
            x.contiguous(memory_format=torch.channels_last), x_scale, x_zero, packed, w_scale,
            torch.zeros(len(w_scale), dtype=torch.long), bias, list(conv.stride),
            list(conv.padding), list(conv.dilation), 1, scale, zero,
            torch.float32 if last else None, "none", [], "")
        if not last and layer != _SKIP[1]:  # every layer but the 1x1 one and the last
            y = y.contiguous(memory_format=torch.channels_last)
            codes = y.permute(0, 2, 3, 1).numpy().reshape(y.shape[2], -1)  # a view
            cv2.LUT(codes, self._tables[layer], dst=codes)
        return y


def _leaky_table(raw: tuple[float, int], active: tuple[float, int], slope: float) -> np.ndarray:
    """uint8 codes of a convolution's output -> codes of its LeakyReLU at `active`'s scale."""
    (scale, zero), (out_scale, out_zero) = raw, active
    value = (np.arange(256) - zero) * scale
    value = np.maximum(value, slope * value)
    return np.clip(np.round(value / out_scale) + out_zero, 0, 255).astype(np.uint8)
