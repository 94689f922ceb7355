import dataclasses
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image

from tests.conftest import brightening_model
from zerodce_core.batch import BatchOptions, Status, plan_batch, run_batch
from zerodce_core.engine import Engine
from zerodce_core.pipeline import EncodeOptions, Look
from zerodce_core.runtime import configure_runtime
from zerodce_core.video import (
    CurveSmoother,
    FrameEnhancer,
    VideoError,
    VideoOptions,
    enhance_video,
    flicker,
    open_video,
    read_frame,
)


def make_clip(path: Path, frames: int = 8, size=(64, 48), fps: int = 8, audio: str = "aac",
              rotation: int = 0, level: int = 30, step: int = 0) -> Path:
    """A dark noisy clip (frame i at brightness level + i * step) with a sine-wave track."""
    video_codec = "libvpx-vp9" if path.suffix == ".webm" else "libx264"
    rng = np.random.default_rng(level)
    with av.open(str(path), "w") as out:
        video = out.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        sound = out.add_stream(audio, rate=48000)
        sound.layout = "mono"
        for i in range(frames):
            pixels = rng.normal(level + i * step, 4, (size[1], size[0], 3))
            pixels = pixels.clip(0, 245).astype(np.uint8)
            pixels[:, : size[0] // 2, 0] += 10  # some colour, to catch channel mix-ups
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        t = np.arange(48000 * frames // fps) / 48000
        wave = av.AudioFrame.from_ndarray((0.2 * np.sin(2 * np.pi * 440 * t))[None].astype(
            np.float32), format="flt", layout="mono")
        wave.sample_rate, wave.pts = 48000, 0
        out.mux(sound.encode(wave))
        out.mux(sound.encode(None))
    return path


def audio_payload(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]


@pytest.fixture
def engine(model_file):
    return Engine(model_file, device="cpu")


@pytest.mark.parametrize("name, audio", [("clip.mp4", "aac"), ("clip.webm", "libopus")])
def test_round_trip_keeps_frames_size_and_audio(engine, tmp_path, name, audio):
    source = make_clip(tmp_path / name, audio=audio)
    target = tmp_path / f"out{source.suffix}"
    steps = list(enhance_video(engine, source, target, VideoOptions(crf=10)))
    assert [s.frame for s in steps] == list(range(1, 9)) and steps[-1].eta == 0
    info = open_video(target)
    assert (info.frames, info.size, info.has_audio) == (8, (64, 48), True)
    assert audio_payload(target) == audio_payload(source)  # remuxed, not re-encoded
    assert read_frame(target, 3).mean() > read_frame(source, 3).mean() + 40


def test_strength_zero_keeps_colours_and_rotation(engine, tmp_path):
    source = make_clip(tmp_path / "turned.mov", rotation=90)
    target = tmp_path / "out.mov"
    list(enhance_video(engine, source, target, VideoOptions(crf=0), look=Look(strength=0)))
    assert open_video(target).rotation == open_video(source).rotation == 90
    before, after = read_frame(source, 4), read_frame(target, 4)
    assert before.shape == after.shape == (64, 48, 3)
    assert np.abs(before.mean((0, 1)) - after.mean((0, 1))).max() < 1.5


def test_chosen_codec_and_frame_rate(engine, tmp_path):
    source = make_clip(tmp_path / "clip.mkv")
    target = tmp_path / "out.mkv"
    list(enhance_video(engine, source, target, VideoOptions(codec="libx265", fps=16)))
    info = open_video(target)
    assert (info.codec, info.fps, info.frames) == ("hevc", 16.0, 16)
    with pytest.raises(VideoError, match="no 'nonsense' encoder"):
        list(enhance_video(engine, source, tmp_path / "bad.mkv", VideoOptions(codec="nonsense")))
    assert not (tmp_path / "bad.mkv").exists()


@pytest.fixture
def one_thread():
    """Tiny tensors run faster on one thread: two OpenMP pools spin against each other."""
    threads = torch.get_num_threads()
    yield 1
    configure_runtime(threads)


def test_smoothing_stops_curve_pumping_and_resets_at_cuts(one_thread):
    model = brightening_model()
    with torch.no_grad():
        model.e_conv7.weight.mul_(30)  # curves that react to noise, as trained ones do
    configure_runtime(one_thread)
    engine = Engine(model, device="cpu")
    rng = np.random.default_rng(1)
    scene = rng.uniform(5, 60, (1, 1, 3)) * np.linspace(0.3, 1, 64)[None, :, None]
    frames = [(scene + rng.normal(0, 6, (48, 64, 3))).clip(0, 255).astype(np.uint8)
              for _ in range(12)]
    reference = frames[0]

    def pumping(seconds: float) -> list[float]:
        """Brightness each frame's curves give one fixed frame: what the curves alone add."""
        enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(24, seconds))
        return [float(engine.render(dataclasses.replace(enhancer.curves(f), rgb=reference))
                      .mean()) for f in frames]

    single, smooth = pumping(0), pumping(0.5)
    assert flicker(smooth[4:]) * 5 < flicker(single[4:])
    assert abs(np.mean(smooth[4:]) - np.mean(single[4:])) < 1  # same average brightness

    smoother = CurveSmoother(0.1)
    maps = np.zeros((3, 4, 4), np.float32)
    smoother(maps, frames[0])
    assert smoother(maps + 1, frames[1]).max() == pytest.approx(0.1)  # averaged
    assert smoother(maps + 1, np.full_like(frames[0], 200)).max() == 1  # cut: restarted


def test_the_exposure_gain_is_smoothed_in_stops_and_restarts_at_a_cut():
    smoother = CurveSmoother(0.5)
    maps = np.zeros((3, 4, 4), np.float32)
    frame = np.full((16, 16, 3), 20, np.uint8)
    smoother(maps, frame)
    assert smoother.smooth_gain(1.0) == 1.0
    smoother(maps, frame)
    assert smoother.smooth_gain(4.0) == pytest.approx(2.0)  # half of two stops
    smoother(maps, np.full_like(frame, 200))  # a cut
    assert smoother.smooth_gain(8.0) == 8.0


def test_closing_mid_video_leaves_no_output(engine, tmp_path):
    source = make_clip(tmp_path / "clip.mp4")
    target = tmp_path / "out" / "clip_enhanced.mp4"
    options = BatchOptions(out_dir=tmp_path / "out")
    items = plan_batch([source], options)
    batch = run_batch(engine, items, options)
    for event in batch:
        item = event.item
        if item.frame == 3:
            assert item.frames == 8 and item.eta is not None
            break
    batch.close()
    assert list(target.parent.iterdir()) == []


def test_batch_mixes_photos_and_videos(engine, tmp_path, dark_image):
    folder = tmp_path / "in"
    folder.mkdir()
    make_clip(folder / "a.MP4")
    (folder / "broken.avi").write_bytes(b"RIFF not a video")
    Image.fromarray(dark_image).save(folder / "b.png")
    options = BatchOptions(out_dir=tmp_path / "out", encode=EncodeOptions("jpeg"),
                           look=Look(denoise=0.5))
    items = plan_batch([folder], options)
    for event in run_batch(engine, items, options):
        items[event.index] = event.item
    assert {i.target.name: i.status for i in items} == {
        "a_enhanced.mp4": Status.DONE, "b_enhanced.jpg": Status.DONE,
        "broken_enhanced.avi": Status.FAILED}
    assert "can't open the video" in items[2].reason
    assert open_video(tmp_path / "out" / "a_enhanced.mp4").frames == 8


def test_read_frame_finds_each_frame(tmp_path):
    clip = make_clip(tmp_path / "ramp.mp4", frames=12, step=15, fps=24)
    info = open_video(clip)
    assert (info.frames, info.fps, info.duration, info.codec) == (12, 24.0, 0.5, "h264")
    levels = [read_frame(clip, i).mean() for i in (0, 5, 11, 99)]
    assert levels[:3] == pytest.approx([31.7, 106.7, 196.7], abs=4)  # 30 + 15 i + red stripe
    assert levels[3] == levels[2]  # past the end: the last frame
    with pytest.raises(VideoError, match="no video stream"):
        open_video(_audio_only(tmp_path / "sound.m4a"))


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "mono"
        wave = av.AudioFrame.from_ndarray(np.zeros((1, 4800), np.float32), format="flt",
                                          layout="mono")
        wave.sample_rate, wave.pts = 48000, 0
        out.mux(sound.encode(wave))
        out.mux(sound.encode(None))
    return path


def test_exposure_calibration_runs_on_every_eighth_frame(monkeypatch):
    from zerodce_core.model import build_model

    engine = Engine(build_model("zerodce-exposure"), precision="fp32")
    calls = []
    real = engine._network_level

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(engine, "_network_level", counted)
    enhancer = FrameEnhancer(engine, CurveSmoother(1.0))
    frame = np.full((48, 64, 3), 20, np.uint8)
    levels = [enhancer.curves(frame).network_level for _ in range(10)]
    assert len(calls) == 2  # frames 0 and 8
    assert len(set(levels)) == 1  # the same scene: the reused level is the calibrated one


# --- truncated and damaged videos (issue 12, item 7): finished, with a warning ---


def _cut(source: Path, share: float) -> Path:
    data = source.read_bytes()
    cut = source.with_name("cut_" + source.name)
    cut.write_bytes(data[: int(len(data) * share)])
    return cut


@pytest.mark.parametrize("name, options, half_packet", [
    ("clip.mkv", {}, ()),  # Matroska: the demuxer stops at the cut
    ("clip.mp4", {"movflags": "+faststart"}, ("1 damaged packet skipped",)),  # cut mid-packet
])
def test_a_truncated_video_keeps_what_decodes_and_warns(engine, tmp_path, name, options,
                                                        half_packet):
    source = make_faststart_clip(tmp_path / name, 24, options)
    cut = _cut(source, 0.5)
    steps = list(enhance_video(engine, cut, tmp_path / f"out{source.suffix}", look=FLAT))
    last = steps[-1]
    assert 6 <= last.frame < 20 and last.total == last.frame
    assert last.warnings == (f"only {last.frame} of its 24 frames could be decoded: the file "
                             "looks truncated or damaged", *half_packet)
    assert all(not step.warnings for step in steps[:-1])
    assert open_video(tmp_path / f"out{source.suffix}").frames == last.frame


def test_an_intact_video_gives_no_warning(engine, tmp_path):
    source = make_faststart_clip(tmp_path / "whole.mkv", 12, {})
    steps = list(enhance_video(engine, source, tmp_path / "out.mkv", look=FLAT))
    assert [s.frame for s in steps] == list(range(1, 13)) and not steps[-1].warnings


def test_a_video_with_no_decodable_frame_fails_and_writes_nothing(engine, tmp_path):
    source = make_faststart_clip(tmp_path / "head.mkv", 24, {})
    cut = _cut(source, 0.02)
    with pytest.raises(VideoError, match="cut_head.mkv"):
        list(enhance_video(engine, cut, tmp_path / "out.mkv", look=FLAT))
    assert not (tmp_path / "out.mkv").exists()


FLAT = Look(denoise=0.0)


def make_faststart_clip(path: Path, frames: int, options: dict[str, str]) -> Path:
    """A video-only clip of random frames (so every frame has a sizeable packet)."""
    rng = np.random.default_rng(1)
    with av.open(str(path), "w", options=options) as out:
        video = out.add_stream("libx264", rate=12)
        video.width, video.height, video.pix_fmt = 32, 24, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 80, (24, 32, 3), np.uint8),
                                               format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 12)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


@pytest.mark.parametrize("name, audio, fps", [("clip.mp4", "aac", None),
                                              ("clip.mkv", "libopus", 5.0)])
def test_threaded_decode_and_encode_write_the_same_bytes(engine, tmp_path, monkeypatch, name,
                                                          audio, fps):
    """Decoding ahead and encoding behind change when frames move, never what is written."""
    import zerodce_core.video as video

    source = make_clip(tmp_path / name, frames=12, audio=audio, step=3)
    options = VideoOptions(crf=20, fps=fps)
    threaded = tmp_path / f"threaded{source.suffix}"
    list(enhance_video(engine, source, threaded, options))
    monkeypatch.setattr(video, "PIPELINE_DEPTH", 0)  # the same code, one stage at a time
    inline = tmp_path / f"inline{source.suffix}"
    list(enhance_video(engine, source, inline, options))
    assert packets(threaded) == packets(inline)
    if name.endswith(".mp4"):  # Matroska stamps every file with a random segment id
        assert threaded.read_bytes() == inline.read_bytes()


def packets(path: Path) -> list[tuple[str, int | None, bytes]]:
    with av.open(str(path)) as container:
        return [(p.stream.type, p.pts, bytes(p)) for p in container.demux() if p.size]


@pytest.mark.parametrize("where", ["encoder", "temporal filter"])
def test_a_failure_mid_video_surfaces_and_leaves_no_output(engine, tmp_path, monkeypatch,
                                                           where):
    import zerodce_core.video as video
    from zerodce_core.temporal import TemporalDenoiser

    owner, name = (video, "_encode") if where == "encoder" else (TemporalDenoiser, "filter")
    real = getattr(owner, name)
    calls = []

    def broken(*args):
        calls.append(args)
        if len(calls) > 3:
            raise av.error.InvalidDataError(1094995529, f"{where} broke")
        return real(*args)

    monkeypatch.setattr(owner, name, broken)
    source = make_clip(tmp_path / "clip.mp4")
    target = tmp_path / "out" / "clip.mp4"
    with pytest.raises(VideoError, match=f"{where} broke"):
        list(enhance_video(engine, source, target))
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def static_frames(count: int, level: float = 30.0, seed: int = 0) -> list[np.ndarray]:
    """A dark, static, textured scene with fresh noise in every frame."""
    rng = np.random.default_rng(seed)
    scene = level * (1 + 0.5 * np.sin(np.arange(64) / 4.0))[None, :, None] * np.ones((48, 1, 3))
    return [(scene + rng.normal(0, 3, scene.shape)).clip(0, 255).astype(np.uint8)
            for _ in range(count)]


def frame_to_frame(frames: list[np.ndarray]) -> float:
    return float(np.std(np.diff(np.array(frames, np.float64), axis=0)))


def test_video_noise_is_averaged_over_time_and_restarts_at_a_cut(engine, monkeypatch):
    import zerodce_core.video as video

    calls = []
    real = video.measure_noise
    monkeypatch.setattr(video, "measure_noise", lambda rgb: calls.append(1) or real(rgb))
    frames = static_frames(10) + static_frames(6, level=90, seed=1)  # a cut at frame 10
    plain = FrameEnhancer(engine, CurveSmoother.for_rate(24, 0), FLAT)
    temporal = FrameEnhancer(engine, CurveSmoother.for_rate(24, 0))  # no curve smoothing
    off = [plain(f) for f in frames]
    on = [temporal(f) for f in frames]
    assert frame_to_frame(on[4:10]) < 0.6 * frame_to_frame(off[4:10])
    assert np.array_equal(on[0], off[0]) and np.array_equal(on[10], off[10])  # fresh starts
    assert abs(float(on[12].mean()) - float(off[12].mean())) < 2  # nothing of the first shot
    assert len(calls) == 2  # the noise is measured once a shot, not every frame


def test_learned_video_denoising_runs_the_network_on_every_frame(engine, monkeypatch):
    calls = []
    monkeypatch.setattr(engine, "reduce_noise", lambda rendered, *args: calls.append(args)
                        or rendered)
    enhancer = FrameEnhancer(engine, CurveSmoother.for_rate(24, 0.5), Look(denoise=0.7),
                             denoiser="learned")
    for frame in static_frames(3):
        enhancer(frame)
    assert [strength for *_, strength in calls] == [0.7] * 3
    with pytest.raises(ValueError, match="video denoiser"):
        VideoOptions(denoiser="median")


def test_denoise_zero_leaves_video_frames_as_the_curves_made_them(engine, monkeypatch):
    import zerodce_core.video as video

    monkeypatch.setattr(video, "measure_noise", lambda rgb: pytest.fail("measured"))
    enhancer, twin = (FrameEnhancer(engine, CurveSmoother.for_rate(24, 0.5), FLAT)
                      for _ in range(2))
    for frame in static_frames(3):
        assert np.array_equal(enhancer(frame), engine.render(twin.curves(frame)))

