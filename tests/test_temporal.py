import numpy as np
import pytest

from zerodce_core.temporal import FRAMES, TemporalDenoiser

SIZE = (48, 64)
#: The noise map the filter is told: a third of the real noise, as `measure_noise` reads
#: demosaiced noise; the filter finds the scale from the frames.
NOISE = 8.0
TOLD = np.full((12, 16, 3), NOISE / 3 / 255, np.float32)


def scene(rng: np.random.Generator) -> np.ndarray:
    """A dark-grey textured background, as float levels."""
    y, x = np.mgrid[0 : SIZE[0], 0 : SIZE[1]]
    shade = 60 + 30 * np.sin(x / 5.0)[..., None] * np.cos(y / 7.0)[..., None]
    return np.broadcast_to(shade + rng.uniform(-5, 5, (1, 1, 3)), (*SIZE, 3)).copy()


def noisy(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return (clean + rng.normal(0, NOISE, clean.shape)).clip(0, 255).round().astype(np.uint8)


def error(frame: np.ndarray, clean: np.ndarray) -> float:
    return float(np.sqrt(np.mean((frame.astype(np.float64) - clean) ** 2)))


def test_a_static_clip_loses_most_of_its_noise_frame_to_frame():
    rng = np.random.default_rng(0)
    clean = scene(rng)
    frames = [noisy(clean, rng) for _ in range(3 * FRAMES)]
    denoiser = TemporalDenoiser()
    out = [denoiser.filter(f, TOLD) for f in frames]
    settled = out[2 * FRAMES :]
    assert np.mean([error(o, clean) for o in settled]) < 0.45 * NOISE
    change_in = np.std(np.diff(np.array(frames[2 * FRAMES :], np.float64), axis=0))
    change_out = np.std(np.diff(np.array(settled, np.float64), axis=0))
    assert change_out < 0.4 * change_in  # steadier frame to frame, not only closer


def test_a_moving_square_leaves_no_ghost():
    rng = np.random.default_rng(1)
    background = scene(rng)
    denoiser = TemporalDenoiser()
    for i in range(2 * FRAMES):
        clean = background.copy()
        x = 4 + 3 * i
        clean[16:32, x : x + 12] = 230  # bright square moving right 3 px a frame
        out = denoiser.filter(noisy(clean, rng), TOLD).astype(np.float64)
    square = out[18:30, x + 1 : x + 11]
    assert abs(square.mean() - 230) < 4  # all of it where it is now
    vacated = (slice(16, 32), slice(x - 9, x - 1))  # where it was 3 frames ago
    assert abs(out[vacated].mean() - background[vacated].mean()) < 4  # no trail
    static = (slice(36, 48), slice(0, 64))
    assert error(out[static], background[static]) < 0.6 * NOISE  # still averaged there


def test_a_restart_and_a_new_size_start_from_the_frame():
    rng = np.random.default_rng(2)
    clean = scene(rng)
    denoiser = TemporalDenoiser()
    for _ in range(4):
        denoiser.filter(noisy(clean, rng), TOLD)
    other = noisy(255 - clean, rng)
    denoiser.restart()
    assert np.array_equal(denoiser.filter(other, TOLD), other)  # nothing of the scene before
    smaller = noisy(clean[:24, :32], rng)
    assert np.array_equal(denoiser.filter(smaller, TOLD), smaller)
    assert not np.array_equal(denoiser.filter(noisy(clean[:24, :32], rng), TOLD), smaller)


def test_strength_zero_and_an_unlifted_video_stay_untouched():
    rng = np.random.default_rng(3)
    clean = scene(rng)
    frames = [noisy(clean, rng) for _ in range(4)]
    off, unlifted = TemporalDenoiser(), TemporalDenoiser()
    for frame in frames:
        assert np.array_equal(off.filter(frame, TOLD, strength=0.0), frame)
        # No noise added by the lift: the video's own grain is part of it and stays.
        assert np.array_equal(unlifted.filter(frame, np.zeros_like(TOLD)), frame)


def test_half_strength_lands_between_the_frame_and_the_average():
    rng = np.random.default_rng(4)
    clean = scene(rng)
    frames = [noisy(clean, rng) for _ in range(FRAMES)]
    full, half = TemporalDenoiser(), TemporalDenoiser()
    for frame in frames:
        averaged, blended = full.filter(frame, TOLD), half.filter(frame, TOLD, strength=0.5)
    expected = (frame.astype(np.float64) + averaged) / 2
    assert np.abs(blended - expected).max() <= 1.0  # the two averages are the same


def test_only_colour_frames():
    with pytest.raises(ValueError, match="H, W, 3"):
        TemporalDenoiser().filter(np.zeros((8, 8), np.uint8), TOLD)


def test_the_maps_scale_is_checked_against_the_frames_within_bounds():
    """A map reading the noise 4x low (measure_noise on demosaiced noise reads ~3x low) is
    scaled up by what the frames show; one 100x low, a barely lifted video's, is not."""
    rng = np.random.default_rng(5)
    clean = scene(rng)
    frames = [noisy(clean, rng) for _ in range(2 * FRAMES)]

    def settled_error(told: np.ndarray) -> float:
        denoiser = TemporalDenoiser()
        out = [denoiser.filter(f, told) for f in frames]
        return float(np.mean([error(o, clean) for o in out[FRAMES:]]))

    assert settled_error(TOLD / 4) < 0.5 * NOISE
    assert settled_error(TOLD / 100) > 0.9 * NOISE
