"""DCE-Net (Zero-DCE) and its depthwise-separable Zero-DCE++ variant.

Both networks map an RGB image in [0, 1] to curve parameter maps in [-1, 1].
They stop there: applying the curves is `zerodce_core.curves`' job, so the
engine can cache the maps and re-render at any strength without the network.

Architectures are registered by name so a checkpoint can say which one it
holds and the loader picks the class without if-chains.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

DEFAULT_ITERATIONS = 8
# Seven stacked 3x3 convolutions see 7 pixels in every direction.
RECEPTIVE_RADIUS = 7

ARCHITECTURES: dict[str, type[CurveNet]] = {}


def register(name: str) -> Callable[[type[CurveNet]], type[CurveNet]]:
    def decorator(cls: type[CurveNet]) -> type[CurveNet]:
        cls.arch = name
        ARCHITECTURES[name] = cls
        return cls

    return decorator


class CurveNet(nn.Module):
    """Common interface: `forward(x, exposure) -> maps` of shape (N, 3 * map_count, H, W).

    `exposure` (N,) is the target exposure level; networks that are not conditioned on it
    (`takes_exposure` False: the paper's, trained for one fixed level) ignore it.
    """

    arch: str = ""
    #: True when one 3-channel map is reused by every iteration (Zero-DCE++).
    shared_maps: bool = False
    takes_exposure: bool = False

    def __init__(self, iterations: int = DEFAULT_ITERATIONS) -> None:
        super().__init__()
        if iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations}")
        self.iterations = iterations

    @property
    def map_count(self) -> int:
        return 1 if self.shared_maps else self.iterations

    def _trunk(self, x: torch.Tensor, shift: Callable[[int, torch.Tensor], torch.Tensor]
               = lambda layer, h: h) -> torch.Tensor:
        """The paper's symmetric skip-concatenation body, shared by every variant.

        `shift(layer, h)` may offset hidden layer `layer`'s activations before the ReLU.
        """
        relu = torch.relu
        x1 = relu(shift(0, self.e_conv1(x)))
        x2 = relu(shift(1, self.e_conv2(x1)))
        x3 = relu(shift(2, self.e_conv3(x2)))
        x4 = relu(shift(3, self.e_conv4(x3)))
        x5 = relu(shift(4, self.e_conv5(torch.cat([x3, x4], 1))))
        x6 = relu(shift(5, self.e_conv6(torch.cat([x2, x5], 1))))
        return torch.tanh(self.e_conv7(torch.cat([x1, x6], 1)))

    def forward(self, x: torch.Tensor, exposure: torch.Tensor | None = None) -> torch.Tensor:
        return self._trunk(x)


@register("zerodce")
class DCENet(CurveNet):
    """Zero-DCE: 7 plain 3x3 convs, 32 channels, one 3-channel map per iteration."""

    def __init__(self, iterations: int = DEFAULT_ITERATIONS, width: int = 32) -> None:
        super().__init__(iterations)

        def conv(cin: int, cout: int) -> nn.Conv2d:
            return nn.Conv2d(cin, cout, 3, padding=1)

        self.e_conv1 = conv(3, width)
        self.e_conv2 = conv(width, width)
        self.e_conv3 = conv(width, width)
        self.e_conv4 = conv(width, width)
        self.e_conv5 = conv(2 * width, width)
        self.e_conv6 = conv(2 * width, width)
        self.e_conv7 = conv(2 * width, 3 * iterations)


#: The level the paper trains for; an exposure-conditioned net equals its base net here.
BASE_EXPOSURE = 0.6


@register("zerodce-exposure")
class ExposureDCENet(DCENet):
    """DCE-Net conditioned on the target exposure level E (a brightness the caller picks).

    The paper trains one network for one E (0.6), so every photo is pushed to that level:
    dark ones stay too dark for some scenes, well-exposed ones get washed out. Here each
    hidden layer's activations are shifted by (E - 0.6) times a learned per-channel vector
    (192 extra parameters). The vectors start at zero, so a paper-trained DCE-Net's weights
    load unchanged and behave exactly as before until fine-tuned with varying E.
    """

    takes_exposure = True

    def __init__(self, iterations: int = DEFAULT_ITERATIONS, width: int = 32) -> None:
        super().__init__(iterations, width)
        self.exposure_shift = nn.Parameter(torch.zeros(6, width))

    def forward(self, x: torch.Tensor, exposure: torch.Tensor | None = None) -> torch.Tensor:
        if exposure is None:
            raise ValueError("this network needs the target exposure level (exposure=...)")
        offset = (exposure.to(x.dtype).reshape(-1, 1) - BASE_EXPOSURE)[:, None, :]  # N,1,1
        shifts = (offset * self.exposure_shift.to(x.dtype))[..., None, None]  # N,6,C,1,1

        def shift(layer: int, h: torch.Tensor) -> torch.Tensor:
            return h + shifts[:, layer]

        return self._trunk(x, shift)


class SeparableConv(nn.Module):
    """Depthwise 3x3 then pointwise 1x1, named as in the official Zero-DCE++ code."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depth_conv = nn.Conv2d(cin, cin, 3, padding=1, groups=cin)
        self.point_conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.point_conv(self.depth_conv(x))


@register("zerodce++")
class DCENetPP(CurveNet):
    """Zero-DCE++: separable convs and a single map shared by all iterations."""

    shared_maps = True

    def __init__(self, iterations: int = DEFAULT_ITERATIONS, width: int = 32) -> None:
        super().__init__(iterations)
        self.e_conv1 = SeparableConv(3, width)
        self.e_conv2 = SeparableConv(width, width)
        self.e_conv3 = SeparableConv(width, width)
        self.e_conv4 = SeparableConv(width, width)
        self.e_conv5 = SeparableConv(2 * width, width)
        self.e_conv6 = SeparableConv(2 * width, width)
        self.e_conv7 = SeparableConv(2 * width, 3)


class NoiseNet(nn.Module):
    """Removes the noise the curves amplified, told where and how much by a noise map.

    The FFDNet idea: the expected noise sigma per pixel and channel is an input, so one
    small network handles a clean daylight photo (map near zero: output = input) and a
    night shot lifted 10x (strong map) alike, and the map can come from physics instead of
    being guessed by the network. It works at half resolution after a 2x2 pixel-unshuffle
    (4x fewer positions, a wider view per layer) and predicts a residual. ~36k parameters.
    """

    arch = "noisenet"
    iterations = 0  # not a curve network: nothing to iterate
    #: Input sides must divide by this (the 2x2 unshuffle).
    multiple = 2

    def __init__(self, width: int = 32, depth: int = 5) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(12 + 3, width, 3, padding=1), nn.LeakyReLU(0.1)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.LeakyReLU(0.1)]
        layers.append(nn.Conv2d(width, 12, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def residual(self, image: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """The noise estimate: `image` (N, 3, H, W) in [0, 1], H and W even;
        `sigma` (N, 3, H/2, W/2) the expected noise per pixel and channel.

        The network predicts the noise in units of sigma, then scaled by it: where the map
        says there is no noise the residual is exactly zero, whatever the weights.
        """
        packed = F.pixel_unshuffle(image, 2)
        unit_noise = self.unit_noise(torch.cat([packed, sigma * NOISE_INPUT_SCALE], 1))
        scale = F.interpolate(sigma, scale_factor=2.0) * NOISE_OUTPUT_SCALE
        return F.pixel_shuffle(unit_noise, 2) * scale

    def unit_noise(self, packed: torch.Tensor) -> torch.Tensor:
        """(N, 12 + 3, h, w) unshuffled image and scaled sigma -> (N, 12, h, w) noise / sigma."""
        return self.body(packed)

    def forward(self, image: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        return image - self.residual(image, sigma)


class NoiseUNet(NoiseNet):
    """NoiseNet with a quarter-resolution middle: sees ~60 px instead of 10, for the
    low-frequency colour blotches that demosaicing and JPEG make of amplified noise.

    Two convolutions at half resolution keep fine detail (and feed a skip connection), a
    strided one goes down to quarter resolution where four wider ones (one dilated) see
    far at a quarter of the cost, and a pixel-shuffle brings them back up. About as many
    operations per pixel as NoiseNet, ~100k parameters.
    """

    arch = "noisenet-u"
    #: Input sides must divide by this (2x2 unshuffle, then one stride-2 step).
    multiple = 4

    def __init__(self, width: int = 24, wide: int = 48) -> None:
        nn.Module.__init__(self)
        act = nn.LeakyReLU(0.1)
        self.head = nn.Sequential(nn.Conv2d(12 + 3, width, 3, padding=1), act,
                                  nn.Conv2d(width, width, 3, padding=1), act)
        self.middle = nn.Sequential(
            nn.Conv2d(width, wide, 3, stride=2, padding=1), act,
            nn.Conv2d(wide, wide, 3, padding=1), act,
            nn.Conv2d(wide, wide, 3, padding=2, dilation=2), act,
            nn.Conv2d(wide, wide, 3, padding=1), act,
            nn.Conv2d(wide, 4 * width, 1), nn.PixelShuffle(2))
        self.tail = nn.Sequential(nn.Conv2d(2 * width, width, 3, padding=1), act,
                                  nn.Conv2d(width, 12, 3, padding=1))

    def unit_noise(self, packed: torch.Tensor) -> torch.Tensor:
        height, width = packed.shape[-2:]
        padded = F.pad(packed, (0, width % 2, 0, height % 2), mode="replicate")
        near = self.head(padded)
        out = self.tail(torch.cat([near, self.middle(near)], 1))
        return out[..., :height, :width]


#: Noise sigmas (fractions of full scale, typically 0.002-0.1) scaled to order one.
NOISE_INPUT_SCALE = 10.0
#: The measured sigma under-reads demosaiced noise several times, and fresh conv layers put
#: out ~0.03: scaling the output lets training start at a useful step size.
NOISE_OUTPUT_SCALE = 30.0
#: Every network a checkpoint may hold, by name.
NOISE_NETWORKS: dict[str, type[NoiseNet]] = {cls.arch: cls for cls in (NoiseNet, NoiseUNet)}
NETWORKS: dict[str, type[nn.Module]] = {**ARCHITECTURES, **NOISE_NETWORKS}


def build_model(arch: str, iterations: int = DEFAULT_ITERATIONS) -> nn.Module:
    try:
        cls = NETWORKS[arch]
    except KeyError:
        known = ", ".join(sorted(NETWORKS))
        raise ValueError(f"unknown architecture {arch!r} (known: {known})") from None
    return cls(iterations=iterations) if issubclass(cls, CurveNet) else cls()
