"""Defaults and allowed ranges of the options people set, in a module that imports nothing.

The option dataclasses (`pipeline.EncodeOptions` and `Look`, `video.VideoOptions`,
`batch.BatchOptions`), the engine and the exposure rule take their defaults and limits from
here, and so does the command line: it builds its help and refuses out-of-range values from
the same numbers before anything loads numpy, torch or FFmpeg, which is what lets
`zerodce --help` and argument errors answer at once instead of after 3-5 s of imports.
"""

from __future__ import annotations

from typing import Literal

#: Where the network sees the photo: a 512 px copy (fast) or every pixel in tiles (full).
Mode = Literal["fast", "full"]
MODE: Mode = "fast"
#: Whose colours: the photo's own (one curve for all three channels of a pixel, so a neutral
#: grey stays grey and a lamp keeps its hue) or the model's (a curve per channel, the paper's:
#: its colour-constancy loss pushes toward grey-world, which casts dark scenes green or blue).
Colour = Literal["keep", "model"]
COLOUR: Colour = "keep"
#: Appended to the stem of every enhanced file's name.
SUFFIX = "_enhanced"

QUALITY = 95  # JPEG and WebP
QUALITY_RANGE = (1, 100)
DENOISE_RANGE = (0.0, 1.0)  # 0 = off, 1 = the full learned reduction
#: Target mean level of exposure-conditioned models (the user's, or the Brightness control's).
EXPOSURE_RANGE = (0.05, 0.95)

#: What reduces a video's noise (`video.py`): a motion-adaptive average over its frames
#: (`temporal`: a few ms a frame) or the photos' learned network on every frame (`learned`:
#: ~170 ms a 1080p frame on 2 cores, 6-13x the rest of the work).
VideoDenoiser = Literal["temporal", "learned"]
VIDEO_DENOISER: VideoDenoiser = "temporal"
SMOOTHING = 0.5  # seconds: time constant of a video's curve smoothing
SMOOTHING_RANGE = (0.0, 3600.0)
CRF_RANGE = (0, 63)  # the widest CRF scale FFmpeg's encoders have (x264/x265 stop at 51)
FPS_RANGE = (0.01, 1000.0)
