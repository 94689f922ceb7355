"""Video enhancement through PyAV: streamed frame by frame, with curves smoothed over time.

Memory stays flat whatever the length: frames stream through decode, enhance and encode,
with at most `PIPELINE_DEPTH` frames decoded ahead and as many waiting to be encoded
(`stages`: decoding and encoding run in threads beside the enhancement), and audio packets
are remuxed untouched in their place.

Run frame by frame, the curves shift with every frame's sensor noise and small content
changes, so the brightness they add wavers. `CurveSmoother` keeps an exponential moving
average of the low-resolution curve maps (cheap: 256 px maps, not frames; 18x steadier in
benchmarks/bench_video.py) and restarts it at scene cuts, detected from tiny thumbnails, so a
cut adapts at once instead of fading.

Noise reduction (`--denoise`, on by default as for photos) works over time
for video: `temporal.TemporalDenoiser` averages each pixel with the frames before it while
it stays within the noise the lift added there (the photos' curve-aware noise map), and
keeps the current frame where something moves, so static areas lose most of their noise and
moving ones do not ghost. Video keeps ~0.7x of its frame rate with it on; the photos'
learned network (~170 ms a 1080p frame) leaves 0.1x (benchmarks/bench_video_nr.py).
`VideoOptions.denoiser = "learned"` (`--video-denoiser learned`) runs that network on every
frame instead, for moving or panning footage the average cannot help. Either way
`Look.denoise` is the strength, 0 (off) to 1 (full). The noise map needs the video's own
noise (`noise.measure_noise`, ~40 ms on a 1080p frame): it is measured on the first frame
of every shot and every `NOISE_EVERY` frames, and reused in between. Scene cuts and a change
of frame size restart the average.

Each frame goes through the photo pipeline's `develop` (curves, then the post stages), so
videos get every stage photos get. `enhance_video` is a generator yielding a frozen
`VideoProgress` after every frame, so the batch, the CLI and the app show progress and
cancel between frames by closing it; the output is written through the output guard, so a
cancelled or failed run leaves no file behind and never replaces the source.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import av
import cv2
import numpy as np

from .defaults import (
    CRF_RANGE,
    FPS_RANGE,
    SMOOTHING,
    SMOOTHING_RANGE,
    VIDEO_DENOISER,
    VideoDenoiser,
)
from .errors import ZeroDCEError
from .exposure import exposure_lut
from .noise import NoiseProfile, measure_noise
from .output import OutputGuard
from .pipeline import Look, develop
from .stages import Ahead, Behind
from .validate import in_range, one_of, optional_in_range

if TYPE_CHECKING:
    from .engine import CurveMaps, Engine
    from .temporal import TemporalDenoiser

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm"})
# Decoder name -> the encoder that keeps the input's codec.
_ENCODERS = {"h264": "libx264", "hevc": "libx265", "vp9": "libvpx-vp9", "vp8": "libvpx",
             "av1": "libsvtav1", "mpeg4": "mpeg4"}
# Encoders with a constant-quality (CRF) mode, and a default CRF that looks like the input.
_DEFAULT_CRF = {"libx264": 18, "libx265": 20, "libvpx-vp9": 30, "libvpx": 10, "libsvtav1": 30}
_WEBM_ENCODERS = frozenset({"libvpx-vp9", "libvpx", "libsvtav1"})
THUMBNAIL = (64, 36)  # scene-cut detection works on frames this small: noise averages out
CUT_THRESHOLD = 0.3  # mean thumbnail change, relative to brightness, that counts as a cut
CURVE_SIZE = 256  # long side of the copy video curves are estimated on
#: Exposure-conditioned models: the level asked of the network is calibrated on every Nth
#: frame (7 small network runs) and reused in between; the smoother hides the steps.
RECALIBRATE_EVERY = 8
#: Frames decoded ahead of and waiting to be encoded behind the one being enhanced.
PIPELINE_DEPTH = 4
#: Frames between measurements of the video's noise for the noise map (and at every cut):
#: a camera's noise changes slowly, measuring it costs ~40 ms a 1080p frame.
NOISE_EVERY = 30
MIN_CURVE_SIZE = 16


class VideoError(ZeroDCEError):
    """A video could not be read or written; the message names the file."""


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What a frame scrubber needs to know about a video."""

    frames: int  # from the container, or estimated from duration x fps
    fps: float
    size: tuple[int, int]  # (width, height) as displayed, i.e. after rotation
    duration: float  # seconds
    codec: str
    has_audio: bool
    rotation: int = 0  # degrees counter-clockwise the player turns the coded frames


@dataclasses.dataclass(frozen=True)
class VideoOptions:
    """How a video is encoded and smoothed; None keeps what the input has."""

    codec: str | None = None  # FFmpeg encoder, e.g. libx264, libx265, libvpx-vp9
    crf: int | None = None  # constant quality for CRF encoders (lower is better)
    fps: float | None = None  # output frame rate; frames are dropped or repeated to match
    smoothing: float = SMOOTHING  # seconds: time constant of the curve average; 0 = frame by frame
    curve_size: int = CURVE_SIZE  # long side curves are estimated at (photos: the engine's 512)
    denoiser: VideoDenoiser = VIDEO_DENOISER  # temporal average, or the learned net per frame

    def __post_init__(self) -> None:
        one_of("video denoiser", self.denoiser, get_args(VideoDenoiser))
        optional_in_range("crf", self.crf, *CRF_RANGE, integer=True)
        optional_in_range("frame rate", self.fps, *FPS_RANGE)
        in_range("smoothing", self.smoothing, *SMOOTHING_RANGE)
        in_range("curve size", self.curve_size, MIN_CURVE_SIZE, integer=True)


@dataclasses.dataclass(frozen=True)
class VideoProgress:
    """Yielded after every frame written, for progress bars and cancel points; and once
    more at the end, with `warnings`, if the input turned out damaged or truncated."""

    frame: int  # frames written so far
    total: int  # expected frames (an estimate for containers that don't store it)
    elapsed: float
    warnings: tuple[str, ...] = ()

    @property
    def eta(self) -> float | None:
        """Seconds left at the average speed so far; None before the first frame."""
        if self.frame == 0:
            return None
        return max(self.total - self.frame, 0) * self.elapsed / self.frame


def is_video_file(path: str | Path) -> bool:
    """True for the containers enhance_video writes back (by extension, case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def open_video(path: str | Path) -> VideoInfo:
    """Read a video's layout (and its first frame's rotation) without decoding the rest."""
    with _open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 25)
        duration = _duration(container, stream)
        first = next(container.decode(stream), None)
        if first is None:
            raise VideoError(f"{path}: the video stream has no frames")
        rotation = int(first.rotation) % 360
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        frames = stream.frames or max(1, round(duration * fps))
        return VideoInfo(frames, fps, (width, height), duration, stream.codec_context.name,
                         bool(container.streams.audio), rotation)


def read_frame(path: str | Path, index: int) -> np.ndarray:
    """Frame `index` (clamped to the last) as upright (H, W, 3) uint8 RGB.

    Seeks to the keyframe before it and decodes forward, so scrubbing costs at most one GOP.
    """
    with _open(path) as container:
        stream = container.streams.video[0]
        frame_time = 1 / (stream.average_rate or stream.guessed_rate or Fraction(25))
        wanted = (stream.start_time or 0) + int(max(index, 0) * frame_time / stream.time_base)
        tolerance = frame_time / 2 / stream.time_base
        container.seek(wanted, stream=stream, backward=True)
        frame = None
        for frame in container.decode(stream):
            if frame.pts is not None and frame.pts >= wanted - tolerance:
                break
        if frame is None:
            raise VideoError(f"{path}: no frame {index}")
        return _upright(frame.to_ndarray(format="rgb24"), frame.rotation)


class CurveSmoother:
    """Exponential moving average of curve maps over time, restarted at scene cuts."""

    def __init__(self, weight: float) -> None:
        self.weight = weight  # of the newest frame; 1 = no smoothing
        self._maps: np.ndarray | None = None
        self._thumbnail: np.ndarray | None = None
        self._gain: float | None = None
        self._restarted = True
        self.cut = True  # the last frame began a shot: the first, or after a scene cut

    @classmethod
    def for_rate(cls, fps: float, seconds: float) -> CurveSmoother:
        """A smoother whose memory lasts `seconds` whatever the frame rate."""
        return cls(1.0 if seconds <= 0 else 1.0 - math.exp(-1.0 / (fps * seconds)))

    def __call__(self, maps: np.ndarray, frame: np.ndarray) -> np.ndarray:
        """The smoothed float32 maps for this frame (a new array: callers may keep it)."""
        thumbnail = cv2.resize(frame, THUMBNAIL, interpolation=cv2.INTER_AREA).astype(np.float32)
        self.cut = self._thumbnail is None or self._is_cut(thumbnail)
        self._restarted = self.cut or self.weight >= 1.0
        if self._restarted:
            self._maps = maps.copy()
        else:
            self._maps = self._maps + np.float32(self.weight) * (maps - self._maps)
        self._thumbnail = thumbnail
        return self._maps

    def smooth_gain(self, gain: float) -> float:
        """The frame's exposure gain, averaged in stops like the maps (call after the maps:
        a scene cut restarts both)."""
        if self._restarted or self._gain is None or gain == self._gain:
            self._gain = gain
        else:
            stops = math.log2(self._gain) + self.weight * (math.log2(gain) - math.log2(self._gain))
            self._gain = 2.0**stops
        return self._gain

    def _is_cut(self, thumbnail: np.ndarray) -> bool:
        previous = self._thumbnail
        change = float(np.abs(thumbnail - previous).mean())
        level = max(float(previous.mean()), float(thumbnail.mean()), 4.0)
        return change / level > CUT_THRESHOLD


class FrameEnhancer:
    """Enhances consecutive frames with smoothed curves and noise reduction over time.

    The array-level core of `enhance_video`, for callers that have frames, not files.
    Curves come from a copy `curve_size` px on its long side: the network dominates the time
    per frame, and at 256 px it takes ~0.04 s where the photos' 512 px takes ~0.35 s on a
    2-core CPU; the render kernel upsamples the maps to the frame as it does for photos.
    `denoiser` is what reduces noise (module docstring): "temporal" or "learned".
    """

    def __init__(self, engine: Engine, smoother: CurveSmoother, look: Look = Look(),
                 curve_size: int = CURVE_SIZE, denoiser: VideoDenoiser = VIDEO_DENOISER) -> None:
        one_of("video denoiser", denoiser, get_args(VideoDenoiser))
        self.engine = engine
        self.smoother = smoother
        self.look = look
        self.curve_size = min(curve_size, engine.fast_size)
        self.temporal: TemporalDenoiser | None = None
        if denoiser == "temporal":
            # Here, not at the top: the app imports this module to tell videos from photos
            # while its window opens, before numba (and torch) load.
            from .temporal import TemporalDenoiser

            self.temporal = TemporalDenoiser()
        self._level: float | None = None
        self._frames = 0
        self._noise: NoiseProfile | None = None

    def curves(self, rgb: np.ndarray) -> CurveMaps:
        """This frame's curves, averaged with those of the frames before it."""
        reuse = self._level if self._frames % RECALIBRATE_EVERY else None
        curves = self.engine.estimate(rgb, mode="fast", fast_size=self.curve_size,
                                      exposure=self.look.exposure, network_level=reuse)
        self._level, self._frames = curves.network_level, self._frames + 1
        maps = curves.maps.astype(np.float32) * np.float32(curves.map_scale)
        maps = self.smoother(maps, rgb)
        noise = self._noise_profile(rgb)
        gain = self.smoother.smooth_gain(curves.gain)
        if gain == curves.gain:  # the estimate's own table (no gain, a cut, no smoothing)
            return dataclasses.replace(curves, maps=maps, noise=noise)
        levels = None if gain == 1.0 else exposure_lut(gain, int(np.iinfo(rgb.dtype).max))
        return dataclasses.replace(curves, maps=maps, gain=gain, levels=levels, noise=noise)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        curves = self.curves(rgb)
        if self.temporal is not None and self.smoother.cut:
            self.temporal.restart()
        return develop(self.engine, curves, self.look, reduce_noise=self.temporal)

    def _noise_profile(self, rgb: np.ndarray) -> NoiseProfile | None:
        """The shot's noise (None without noise reduction): measured on the first frame of
        every shot and every NOISE_EVERY frames, reused in between (see NOISE_EVERY)."""
        if self.look.denoise == 0:
            return None
        if self._noise is None or self.smoother.cut or self._frames % NOISE_EVERY == 0:
            self._noise = measure_noise(rgb)
        return self._noise


def flicker(brightness: np.ndarray) -> float:
    """Mean absolute frame-to-frame change of per-frame mean brightness: pumping, in levels."""
    return float(np.abs(np.diff(np.asarray(brightness, np.float64))).mean())


def enhance_video(engine: Engine, source: str | Path, target: str | Path,
                  options: VideoOptions | None = None, *, look: Look = Look(),
                  guard: OutputGuard | None = None) -> Iterator[VideoProgress]:
    """Enhance `source` into `target` (same container type), yielding after every frame.

    Closing the generator stops between frames and removes the partial output. `guard`
    decides about an existing target (default: replace it); the source is never replaced.
    """
    source, target = Path(source), Path(target)
    guard = guard or OutputGuard()
    guard.protect(source)
    guard.check(target)
    try:
        yield from _enhance(engine, source, target, options or VideoOptions(), look, guard)
    except av.error.FFmpegError as exc:
        raise VideoError(f"{source}: {exc}") from exc


def _enhance(engine: Engine, source: Path, target: Path, options: VideoOptions, look: Look,
             guard: OutputGuard) -> Iterator[VideoProgress]:
    info = open_video(source)
    started = time.perf_counter()
    with _open(source) as inp, guard.writing(target) as tmp:
        video_in = inp.streams.video[0]
        audio_in = list(inp.streams.audio)
        fps = Fraction(options.fps).limit_denominator(1001) if options.fps else None
        rate = fps or video_in.average_rate or video_in.guessed_rate or Fraction(25)
        total = round(info.duration * float(rate)) if fps else info.frames
        with av.open(str(tmp), "w") as out:
            video_out = _add_video_stream(out, video_in, rate, info.rotation, options, target)
            audio_out = {s.index: out.add_stream_from_template(s) for s in audio_in}
            enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(float(rate), options.smoothing),
                                     look, options.curve_size, options.denoiser)
            retime = _FrameRate(video_in, fps) if fps else None
            damage = _Damage(_expected_frames(video_in))
            done = 0
            # Decoding runs ahead and encoding behind in threads, overlapping the enhancement.
            decoded = Ahead(_demuxed(inp, video_in, audio_in, retime, damage), PIPELINE_DEPTH,
                            "zerodce-decode")
            muxer = Behind(PIPELINE_DEPTH, "zerodce-encode")
            try:
                for packet, rgb, pts, time_base in decoded:
                    if packet is not None:  # audio, remuxed untouched in its place
                        packet.stream = audio_out[packet.stream.index]
                        muxer.put(functools.partial(out.mux, packet))
                        continue
                    enhanced = enhancer(rgb)
                    muxer.put(functools.partial(_encode, out, video_out, enhanced, pts,
                                                time_base))
                    done += 1
                    yield VideoProgress(done, max(total, done), time.perf_counter() - started)
                muxer.put(lambda: out.mux(video_out.encode(None)))
                muxer.finish()
            finally:
                decoded.close()
                muxer.close(abort=True)
        warnings = damage.warnings()
        if warnings:
            yield VideoProgress(done, done, time.perf_counter() - started, warnings)


class _Damage:
    """What a damaged or truncated input cost. The demuxer simply ends where a truncated
    file does, and a packet cut in half (or garbled) is skipped, not fatal: the output
    keeps every frame that could be decoded, and the warnings say how many there should
    have been."""

    def __init__(self, expected: int | None) -> None:
        self.expected = expected
        self.decoded = 0
        self.skipped = 0  # packets the decoder refused

    def decode(self, packet: av.Packet) -> list[av.VideoFrame]:
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            self.skipped += 1
            return []
        self.decoded += len(frames)
        return frames

    def warnings(self) -> tuple[str, ...]:
        found = []
        if self.expected and self.decoded < self.expected - max(2, self.expected // 50):
            found.append(f"only {self.decoded} of its {self.expected} frames could be "
                         "decoded: the file looks truncated or damaged")
        if self.skipped:
            found.append(f"{self.skipped} damaged packet{'s' * (self.skipped > 1)} skipped")
        return tuple(found)


def _expected_frames(stream: av.video.stream.VideoStream) -> int | None:
    """The frame count the container states, or its video duration (not the container's,
    which may be the audio's) times the frame rate; None if it states neither."""
    if stream.frames:
        return stream.frames
    rate = stream.average_rate or stream.guessed_rate
    if stream.duration is not None and stream.time_base and rate:
        return round(float(stream.duration * stream.time_base * rate))
    text = stream.metadata.get("DURATION", "")  # Matroska and WebM keep it as a tag
    match = re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", text)
    if not match or not rate:
        return None
    hours, minutes, seconds = match.groups()
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * float(rate))


class _FrameRate:
    """FFmpeg's `fps` filter: drops or repeats frames to reach a new constant rate."""

    def __init__(self, stream: av.video.stream.VideoStream, fps: Fraction) -> None:
        self.graph = av.filter.Graph()
        buffer = self.graph.add_buffer(template=stream)
        sink = self.graph.add("buffersink")
        self.graph.link_nodes(buffer, self.graph.add("fps", f"fps={fps}"), sink).configure()

    def __call__(self, frame: av.VideoFrame | None) -> list[av.VideoFrame]:
        """Frames to write after pushing `frame` (None at the end flushes the filter)."""
        self.graph.push(frame)
        frames = []
        while True:
            try:
                frames.append(self.graph.vpull())
            except (av.error.BlockingIOError, av.error.EOFError):
                return frames


def _demuxed(inp: av.container.InputContainer, video_in: av.video.stream.VideoStream,
             audio_in: list[av.audio.stream.AudioStream], retime: _FrameRate | None,
             damage: _Damage) -> Iterator[tuple[av.Packet | None, np.ndarray | None, int, object]]:
    """(audio packet, None, 0, None) or (None, RGB frame, pts, time base), in file order."""
    for packet in inp.demux(video_in, *audio_in):
        if packet.stream.type == "audio":
            if packet.dts is not None:  # the demuxer's flush packets carry nothing
                yield packet, None, 0, None
            continue
        for frame in _decode(packet, retime, damage):
            yield None, frame.to_ndarray(format="rgb24"), frame.pts, frame.time_base


def _encode(out: av.container.OutputContainer, stream: av.video.stream.VideoStream,
            rgb: np.ndarray, pts: int, time_base: object) -> None:
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts, frame.time_base = pts, time_base
    out.mux(stream.encode(frame))


def _decode(packet: av.Packet, retime: _FrameRate | None,
            damage: _Damage) -> Iterator[av.VideoFrame]:
    frames = damage.decode(packet)
    if retime is None:
        yield from frames
        return
    for frame in frames:
        yield from retime(frame)
    if packet.size == 0:  # the demuxer's last, empty packet: the decoder is drained
        yield from retime(None)


def _add_video_stream(out: av.container.OutputContainer, stream: av.video.stream.VideoStream,
                      rate: Fraction, rotation: int, options: VideoOptions,
                      target: Path) -> av.video.stream.VideoStream:
    codec = _encoder(stream, options, target)
    crf = options.crf if options.crf is not None else _DEFAULT_CRF.get(codec)
    settings = {}
    if codec in _DEFAULT_CRF and crf is not None:
        settings["crf"] = str(crf)
        if codec.startswith("libvpx"):
            settings["b"] = "0"  # constant quality, no bit-rate cap
    video = out.add_stream(codec, rate=rate, options=settings)
    video.width = stream.codec_context.width
    video.height = stream.codec_context.height
    video.pix_fmt = "yuv420p"
    if codec not in _DEFAULT_CRF and stream.bit_rate:
        video.bit_rate = stream.bit_rate
    if rotation:
        video.set_display_rotation(rotation)
    return video


def _encoder(stream: av.video.stream.VideoStream, options: VideoOptions, target: Path) -> str:
    """The chosen encoder, else the input's codec, else H.264 (VP9 for WebM)."""
    if options.codec:
        if options.codec not in av.codecs_available:
            raise VideoError(f"{target}: this FFmpeg build has no {options.codec!r} encoder")
        return options.codec
    codec = _ENCODERS.get(stream.codec_context.name, "")
    webm = target.suffix.lower() == ".webm"
    if codec not in av.codecs_available or (webm and codec not in _WEBM_ENCODERS):
        codec = "libvpx-vp9" if webm else "libx264"
    return codec


def _open(path: str | Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{path}: can't open the video ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: no video stream")
    return container


def _duration(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float:
    if stream.duration is not None:
        return float(stream.duration * stream.time_base)
    return (container.duration or 0) / av.time_base


def _upright(rgb: np.ndarray, rotation: float) -> np.ndarray:
    turns = round(rotation / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb
