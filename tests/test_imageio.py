"""zerodce_core.imageio: round trips, metadata, orientation and every way a file can be bad.

All images are made here in tmp_path; nothing depends on shared data.
"""

from __future__ import annotations

import errno
import os
import warnings
import zlib
from pathlib import Path

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms, ImageOps, TiffImagePlugin

from zerodce_core import imageio
from zerodce_core.errors import ImageReadError, ImageWriteError
from zerodce_core.imageio import read_image, write_image

ORIENTATION = 0x0112
MAKE = 0x010F
EXPOSURE_TIME = 0x829A
EXIF_IFD = 0x8769


@pytest.fixture(scope="module")
def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def noise(shape: tuple[int, ...], dtype: type = np.uint8, seed: int = 0) -> np.ndarray:
    """Random pixels: any codec that is not exactly lossless shows up as a mismatch."""
    top = np.iinfo(dtype).max
    return np.random.default_rng(seed).integers(0, top, shape, endpoint=True).astype(dtype)


def gradient(height: int = 48, width: int = 64, dtype: type = np.uint8) -> np.ndarray:
    """A smooth RGB image that lossy codecs reproduce closely."""
    y, x = np.mgrid[0:height, 0:width]
    unit = np.stack([x / (width - 1), y / (height - 1), (x + y) / (width + height - 2)], axis=-1)
    return np.round(unit * np.iinfo(dtype).max).astype(dtype)


def exif_bytes(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "ZeroDCE Test Camera"
    exif.get_ifd(EXIF_IFD)[EXPOSURE_TIME] = TiffImagePlugin.IFDRational(1, 125)
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif.tobytes()


def parse_exif(data: bytes) -> Image.Exif:
    exif = Image.Exif()
    exif.load(data)
    return exif


def png_bytes_with_size(width: int, height: int) -> bytes:
    """A valid-looking PNG whose header claims `width` x `height`, with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def folder_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- round trips -------------------------------------------------------------------------

LOSSLESS_CASES = [
    (suffix, shape, dtype)
    for suffix in (".png", ".tif")
    for dtype in (np.uint8, np.uint16)
    for shape in ((20, 30), (20, 30, 3), (20, 30, 4))
]


@pytest.mark.parametrize(
    ("suffix", "shape", "dtype"),
    LOSSLESS_CASES,
    ids=[f"{suffix[1:]}-{shape}-{dtype.__name__}" for suffix, shape, dtype in LOSSLESS_CASES],
)
def test_png_and_tiff_round_trip_exactly(tmp_path, suffix, shape, dtype):
    pixels = noise(shape, dtype)
    path = write_image(tmp_path / f"out{suffix}", pixels)

    decoded = read_image(path)

    assert decoded.pixels.dtype == dtype
    np.testing.assert_array_equal(decoded.pixels, pixels)
    assert decoded.format == {".png": "PNG", ".tif": "TIFF"}[suffix]
    assert decoded.bit_depth == (16 if dtype == np.uint16 else 8)
    assert decoded.path == path


@pytest.mark.parametrize(("suffix", "fmt"), [(".jpg", "JPEG"), (".webp", "WEBP")])
def test_lossy_round_trip_stays_close(tmp_path, suffix, fmt):
    pixels = gradient()
    decoded = read_image(write_image(tmp_path / f"out{suffix}", pixels, quality=95))

    assert decoded.format == fmt
    assert decoded.pixels.shape == pixels.shape
    difference = np.abs(decoded.pixels.astype(int) - pixels)
    assert difference.mean() < 1.5
    assert difference.max() <= 12


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_16_bit_input_is_stored_as_8_bit_where_the_format_requires(tmp_path, suffix):
    pixels = gradient(dtype=np.uint16)
    decoded = read_image(write_image(tmp_path / f"out{suffix}", pixels, bit_depth=16))

    assert decoded.pixels.dtype == np.uint8
    expected = np.round(pixels / 257)
    assert np.abs(decoded.pixels - expected).mean() < 1.5


def test_bit_depth_converts_8_to_16_by_257(tmp_path):
    pixels = noise((10, 12, 3))
    decoded = read_image(write_image(tmp_path / "out.png", pixels, bit_depth=16))

    assert decoded.pixels.dtype == np.uint16
    np.testing.assert_array_equal(decoded.pixels, pixels.astype(np.uint16) * 257)


def test_bit_depth_converts_16_to_8_by_rounding(tmp_path):
    # 128/257 rounds down, 129/257 up; the rest checks ordinary values and both ends.
    edges = np.array([0, 128, 129, 385, 386, 32767, 65407, 65408, 65535], np.uint16)
    pixels = np.concatenate([edges, noise((91,), np.uint16)]).reshape(10, 10)
    decoded = read_image(write_image(tmp_path / "out.tif", pixels, bit_depth=8))

    assert decoded.pixels.dtype == np.uint8
    np.testing.assert_array_equal(decoded.pixels, np.round(pixels / 257))


def test_jpeg_drops_alpha(tmp_path):
    pixels = np.dstack([gradient(), np.full((48, 64), 7, np.uint8)])
    decoded = read_image(write_image(tmp_path / "out.jpg", pixels))

    assert decoded.pixels.shape == (48, 64, 3)


def test_webp_keeps_alpha_exactly(tmp_path):
    alpha = noise((48, 64), seed=3)
    decoded = read_image(write_image(tmp_path / "out.webp", np.dstack([gradient(), alpha])))

    np.testing.assert_array_equal(decoded.pixels[..., 3], alpha)


def test_format_argument_overrides_the_suffix(tmp_path):
    path = write_image(tmp_path / "photo.png", gradient(), format="JPEG")

    assert read_image(path).format == "JPEG"


def test_palette_png_reads_as_rgb(tmp_path):
    rgb = noise((16, 16, 3)) // 64 * 64  # few colours, so quantizing loses nothing
    Image.fromarray(rgb).quantize(colors=64).save(tmp_path / "palette.png")

    decoded = read_image(tmp_path / "palette.png")

    assert decoded.pixels.dtype == np.uint8
    np.testing.assert_array_equal(decoded.pixels, rgb)


def test_palette_png_with_transparency_reads_as_rgba(tmp_path):
    image = Image.new("P", (4, 2), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.putpixel((1, 0), 1)
    image.save(tmp_path / "palette.png", transparency=0)

    pixels = read_image(tmp_path / "palette.png").pixels

    assert pixels.shape == (2, 4, 4)
    assert tuple(pixels[0, 0]) == (255, 0, 0, 0)
    assert tuple(pixels[0, 1]) == (0, 0, 255, 255)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_gray_with_alpha_png_reads_as_rgba(tmp_path, dtype):
    gray_alpha = noise((6, 5, 2), dtype)
    (tmp_path / "la.png").write_bytes(imagecodecs.png_encode(gray_alpha))

    pixels = read_image(tmp_path / "la.png").pixels

    assert pixels.dtype == dtype
    np.testing.assert_array_equal(pixels, gray_alpha[..., [0, 0, 0, 1]])


def test_16_bit_pgm_keeps_its_depth(tmp_path):
    # Pillow opens 16-bit PGM in its 32-bit "I" mode.
    samples = np.array([[0, 1000, 65535], [3, 4, 5]], np.uint16)
    (tmp_path / "gray.pgm").write_bytes(b"P5\n3 2\n65535\n" + samples.astype(">u2").tobytes())

    pixels = read_image(tmp_path / "gray.pgm").pixels

    assert pixels.dtype == np.uint16
    np.testing.assert_array_equal(pixels, samples)


def test_float_tiff_becomes_uint16(tmp_path):
    unit = np.random.default_rng(0).random((8, 9, 3), dtype=np.float32)
    unit[0, 0] = (-0.5, 1.5, np.nan)  # out of range and NaN are clipped, not wrapped
    tifffile.imwrite(tmp_path / "float.tif", unit, photometric="rgb")

    pixels = read_image(tmp_path / "float.tif").pixels

    assert pixels.dtype == np.uint16
    assert tuple(pixels[0, 0]) == (0, 65535, 0)
    np.testing.assert_array_equal(pixels[1:], np.round(unit[1:] * 65535))


def test_32_bit_integer_tiff_is_scaled_to_16_bits(tmp_path):
    tifffile.imwrite(tmp_path / "u32.tif", np.array([[0, 2**31, 2**32 - 1]], np.uint32))

    pixels = read_image(tmp_path / "u32.tif").pixels

    assert pixels.dtype == np.uint16
    np.testing.assert_array_equal(pixels, [[0, 32768, 65535]])


def test_planar_16_bit_tiff_is_interleaved(tmp_path):
    pixels = noise((7, 5, 3), np.uint16)
    tifffile.imwrite(
        tmp_path / "planar.tif",
        np.moveaxis(pixels, -1, 0),
        photometric="rgb",
        planarconfig="separate",
    )

    np.testing.assert_array_equal(read_image(tmp_path / "planar.tif").pixels, pixels)


def test_decoded_pixels_are_writable_and_contiguous(tmp_path):
    image = Image.fromarray(noise((2, 3, 3)))
    image.save(tmp_path / "rotated.jpg", exif=exif_bytes(orientation=6))

    pixels = read_image(tmp_path / "rotated.jpg").pixels

    assert pixels.flags.writeable
    assert pixels.flags.c_contiguous


def test_decoded_image_properties():
    decoded = imageio.DecodedImage(np.zeros((4, 7, 3), np.uint16), None, "PNG", None, None)

    assert decoded.size == (7, 4)
    assert decoded.bit_depth == 16


# --- metadata ------------------------------------------------------------------------------

METADATA_CASES = [
    (".png", np.uint8),
    (".png", np.uint16),
    (".tif", np.uint8),
    (".tif", np.uint16),
    (".jpg", np.uint8),
    (".webp", np.uint8),
]


@pytest.mark.parametrize(("suffix", "dtype"), METADATA_CASES)
def test_icc_profile_is_kept(tmp_path, srgb_icc, suffix, dtype):
    path = write_image(tmp_path / f"out{suffix}", gradient(dtype=dtype), icc_profile=srgb_icc)

    assert read_image(path).icc_profile == srgb_icc


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_a_10_mb_colour_profile_is_read_not_called_corrupt(tmp_path, dtype):
    """Pillow's 1 MB cap on a PNG metadata chunk is a bomb guard, not a sign of damage."""
    profile = bytes(range(256)) * (10 * 4096)  # 10 MB, compresses to a few KB
    path = write_image(tmp_path / "print.png", gradient(dtype=dtype), icc_profile=profile)

    assert read_image(path).icc_profile == profile


@pytest.mark.parametrize(("suffix", "dtype"), [c for c in METADATA_CASES if c[0] != ".tif"])
def test_exif_is_kept_with_orientation_reset(tmp_path, suffix, dtype):
    pixels = gradient(dtype=dtype)
    path = write_image(tmp_path / f"out{suffix}", pixels, exif=exif_bytes(orientation=6))

    decoded = read_image(path)

    assert decoded.pixels.shape[:2] == (64, 48)  # turned upright on the way in
    exif = parse_exif(decoded.exif)
    assert exif[ORIENTATION] == 1
    assert exif[MAKE] == "ZeroDCE Test Camera"
    assert exif.get_ifd(EXIF_IFD)[EXPOSURE_TIME] == 1 / 125


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_tiff_output_keeps_exif_text_tags_only(tmp_path, dtype):
    # Documented limit: the Exif sub-directory (exposure and such) can't be written to TIFF.
    pixels = gradient(dtype=dtype)
    path = write_image(tmp_path / "out.tif", pixels, exif=exif_bytes(orientation=6))

    decoded = read_image(path)

    np.testing.assert_array_equal(decoded.pixels, pixels)  # written as given, not rotated
    exif = parse_exif(decoded.exif)
    assert exif[MAKE] == "ZeroDCE Test Camera"
    assert exif[ORIENTATION] == 1
    assert EXIF_IFD not in exif


def test_tiff_exif_keeps_descriptive_tags_only(tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "in.tif", exif=exif_bytes(orientation=3))

    exif = parse_exif(read_image(tmp_path / "in.tif").exif)

    assert exif[MAKE] == "ZeroDCE Test Camera"
    assert exif[ORIENTATION] == 1
    assert exif.get_ifd(EXIF_IFD)[EXPOSURE_TIME] == 1 / 125
    assert 273 not in exif  # StripOffsets would point nowhere in another file


def test_exif_without_header_is_accepted(tmp_path):
    raw_tiff_exif = exif_bytes().removeprefix(b"Exif\x00\x00")
    path = write_image(tmp_path / "out.jpg", gradient(), exif=raw_tiff_exif)

    assert parse_exif(read_image(path).exif)[MAKE] == "ZeroDCE Test Camera"


def test_no_metadata_reads_as_none(tmp_path):
    decoded = read_image(write_image(tmp_path / "out.jpg", gradient()))

    assert decoded.exif is None
    assert decoded.icc_profile is None


def test_exif_orientation_6_turns_the_photo_clockwise(tmp_path):
    # Stored 2 rows x 3 columns; orientation 6 means "rotate 90 degrees clockwise to view".
    stored = np.array([[1, 2, 3], [4, 5, 6]], np.uint8) * 40
    Image.fromarray(stored).save(tmp_path / "o6.png", exif=exif_bytes(orientation=6))

    decoded = read_image(tmp_path / "o6.png")

    np.testing.assert_array_equal(decoded.pixels, np.array([[4, 1], [5, 2], [6, 3]]) * 40)
    assert decoded.size == (2, 3)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_pillow(tmp_path, orientation):
    image = Image.fromarray(noise((3, 5, 3)))
    image.save(tmp_path / "o.png", exif=exif_bytes(orientation=orientation))

    with Image.open(tmp_path / "o.png") as reference:
        expected = np.asarray(ImageOps.exif_transpose(reference))

    np.testing.assert_array_equal(read_image(tmp_path / "o.png").pixels, expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_tiff_is_turned_upright_once(tmp_path, dtype):
    # Pillow rotates 8-bit TIFF itself; the 16-bit path through tifffile must do it here.
    pixels = noise((3, 5, 3), dtype)
    orientation_tag = (ORIENTATION, "H", 1, 8, True)
    tifffile.imwrite(tmp_path / "o.tif", pixels, photometric="rgb", extratags=[orientation_tag])

    decoded = read_image(tmp_path / "o.tif")

    np.testing.assert_array_equal(decoded.pixels, np.rot90(pixels))
    assert parse_exif(decoded.exif)[ORIENTATION] == 1


def test_heic_round_trip(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pixels = gradient()
    heif = pillow_heif.from_pillow(Image.fromarray(pixels))
    heif.save(tmp_path / "photo.heic", quality=95, exif=exif_bytes())

    decoded = read_image(tmp_path / "photo.heic")

    assert decoded.format == "HEIF"
    assert decoded.pixels.shape == pixels.shape
    assert np.abs(decoded.pixels.astype(int) - pixels).mean() < 3
    assert parse_exif(decoded.exif)[MAKE] == "ZeroDCE Test Camera"


def test_raw_is_demosaiced_to_upright_16_bit_rgb(tmp_path):
    pytest.importorskip("rawpy")
    # A minimal DNG: a flat 2x2 RGGB mosaic, rotated by its Orientation tag (6).
    dng_tags = [
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50708, "s", 0, "Synthetic", True),  # UniqueCameraModel
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern
        (50717, "I", 1, 4095, True),  # WhiteLevel
        (ORIENTATION, "H", 1, 6, True),
    ]
    mosaic = np.full((64, 96), 1000, np.uint16)
    path = tmp_path / "photo.DNG"
    tifffile.imwrite(path, mosaic, photometric=32803, extratags=dng_tags, metadata=None)

    decoded = read_image(path)

    assert decoded.format == "RAW"
    assert decoded.pixels.shape == (96, 64, 3)
    assert decoded.pixels.dtype == np.uint16
    with pytest.raises(ImageReadError, match="above the"):
        read_image(path, max_pixels=1000)


# --- extensions and formats ----------------------------------------------------------------


def test_read_extensions_follow_installed_packages():
    assert {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"} <= imageio.READ_EXTENSIONS
    assert (".heic" in imageio.READ_EXTENSIONS) == (imageio.pillow_heif is not None)
    assert (".cr3" in imageio.READ_EXTENSIONS) == (imageio.rawpy is not None)
    assert all(ext == ext.lower() and ext.startswith(".") for ext in imageio.READ_EXTENSIONS)


def test_is_image_file_ignores_case():
    assert imageio.is_image_file("a/b/PHOTO.JPG")
    assert imageio.is_image_file(Path("x.Tiff"))
    assert not imageio.is_image_file("notes.txt")
    assert not imageio.is_image_file("png")


def test_read_without_optional_package_says_which_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(imageio, "READ_EXTENSIONS", frozenset({".png"}))
    (tmp_path / "x.heic").write_bytes(b"data")

    with pytest.raises(ImageReadError, match="needs the pillow-heif package"):
        read_image(tmp_path / "x.heic")


# --- bad input -------------------------------------------------------------------------------


def read_error(path: Path, **kwargs) -> ImageReadError:
    with pytest.raises(ImageReadError) as caught:
        read_image(path, **kwargs)
    assert caught.value.path == path
    assert str(caught.value).startswith(str(path))
    return caught.value


def test_missing_file(tmp_path):
    assert read_error(tmp_path / "nope.jpg").reason == "file not found"


def test_folder_is_not_a_file(tmp_path):
    (tmp_path / "album.png").mkdir()

    assert read_error(tmp_path / "album.png").reason == "is a folder, not a file"


def test_zero_byte_file(tmp_path):
    (tmp_path / "empty.jpg").touch()

    assert read_error(tmp_path / "empty.jpg").reason == "file is empty"


def test_text_file_named_png(tmp_path):
    (tmp_path / "notes.png").write_text("shopping list\n")

    assert read_error(tmp_path / "notes.png").reason.startswith("not an image file")


@pytest.mark.parametrize(
    ("suffix", "dtype"), [(".jpg", np.uint8), (".png", np.uint16), (".tif", np.uint16)]
)
def test_truncated_file(tmp_path, suffix, dtype):
    whole = write_image(tmp_path / f"whole{suffix}", noise((64, 64, 3), dtype)).read_bytes()
    (tmp_path / f"cut{suffix}").write_bytes(whole[: len(whole) // 2])

    assert read_error(tmp_path / f"cut{suffix}").reason == "file is truncated or corrupt"


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_bytes_with_size(30000, 30000))

    reason = read_error(tmp_path / "bomb.png").reason

    assert reason == "image is 30000x30000 (900 MP), above the 200 MP limit"


@pytest.mark.parametrize(("suffix", "dtype"), [(".jpg", np.uint8), (".tif", np.uint16)])
def test_max_pixels_is_per_call(tmp_path, suffix, dtype):
    path = write_image(tmp_path / f"small{suffix}", noise((20, 30, 3), dtype))

    assert read_error(path, max_pixels=599).reason.startswith("image is 30x20")
    assert read_image(path, max_pixels=600).size == (30, 20)


def test_default_limit_is_above_pillows_own(tmp_path):
    (tmp_path / "big.png").write_bytes(png_bytes_with_size(15000, 13000))  # 195 MP

    # Pillow alone refuses this as a bomb; with our 200 MP limit it is decoded (and is corrupt).
    assert read_error(tmp_path / "big.png").reason == "file is truncated or corrupt"


@pytest.mark.parametrize("side", [4, 20])
def test_pillows_bomb_check_maps_to_the_same_error(tmp_path, monkeypatch, side):
    path = write_image(tmp_path / "small.png", noise((side, side, 3)))
    read_image(path)  # the first read sets Pillow up; then someone re-enables its global limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # warns above 10 px, fails above 20

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert read_error(path).reason == "image is too large to decode safely"


# --- failed writes -------------------------------------------------------------------------


def write_error(path: Path, pixels: np.ndarray, **kwargs) -> ImageWriteError:
    with pytest.raises(ImageWriteError) as caught:
        write_image(path, pixels, **kwargs)
    return caught.value


def test_write_creates_a_missing_folder_but_never_through_a_file(tmp_path):
    assert read_image(write_image(tmp_path / "new" / "out.png", gradient())).size == (64, 48)
    (tmp_path / "notes.txt").write_text("a file")

    error = write_error(tmp_path / "notes.txt" / "out.png", gradient())

    assert error.reason == "is a file, not a folder" and error.path == tmp_path / "notes.txt"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_write_into_read_only_folder_leaves_nothing(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert write_error(folder / "out.png", gradient()).reason == "permission denied"
        assert folder_names(folder) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(
    ("code", "reason"), [(errno.EACCES, "permission denied"), (errno.ENOSPC, "disk is full")]
)
def test_failing_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch, code, reason):
    # Simulates the OS failing half-way through (works as root, unlike a read-only folder).
    target = write_image(tmp_path / "out.png", gradient())
    before = target.read_bytes()

    def half_written(image, fp, *args, **kwargs):
        Path(fp).write_bytes(b"\x89PNG partial")
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(Image.Image, "save", half_written)

    assert write_error(target, noise((48, 64, 3))).reason == reason
    assert folder_names(tmp_path) == ["out.png"]
    assert target.read_bytes() == before


def test_encoder_error_does_not_clobber_the_existing_file(tmp_path):
    target = write_image(tmp_path / "out.jpg", gradient())
    before = target.read_bytes()
    huge_exif = Image.Exif()
    huge_exif[0x010E] = "x" * 70_000  # JPEG can't hold more than 64 KB of EXIF

    error = write_error(target, noise((48, 64, 3)), exif=huge_exif.tobytes())

    assert error.reason.startswith("could not encode it as JPEG")
    assert folder_names(tmp_path) == ["out.jpg"]
    assert target.read_bytes() == before


@pytest.mark.parametrize(
    ("pixels", "kwargs", "reason"),
    [
        (np.zeros((4, 4, 3), np.float32), {}, "can't write a float32 array"),
        (np.zeros((4, 4, 2), np.uint8), {}, "can't write a uint8 array of shape (4, 4, 2)"),
        (np.zeros((4, 4, 3), np.uint8), {"bit_depth": 12}, "bit depth must be 8 or 16"),
        (np.zeros((4, 4, 3), np.uint8), {"format": "bmp"}, "unknown output format 'bmp'"),
    ],
)
def test_bad_write_arguments(tmp_path, pixels, kwargs, reason):
    assert write_error(tmp_path / "out.png", pixels, **kwargs).reason.startswith(reason)
    assert folder_names(tmp_path) == []


def test_unsupported_suffix_is_refused(tmp_path):
    assert "can't write '.gif' files" in write_error(tmp_path / "out.gif", gradient()).reason


# --- multi-frame files (issue 12, item 7): only the first frame is read, and that is said ---


def _frames(count: int) -> list[Image.Image]:
    return [Image.fromarray(np.full((16, 24, 3), 40 * i + 10, np.uint8)) for i in range(count)]


@pytest.mark.parametrize("name, warning", [
    ("anim.gif", "animated GIF with 3 frames: only the first frame is enhanced"),
    ("anim.webp", "animated WebP with 3 frames: only the first frame is enhanced"),
    ("anim.png", "animated PNG with 3 frames: only the first frame is enhanced"),
    ("pages.tif", "multi-page TIFF with 3 pages: only the first page is enhanced"),
])
def test_multi_frame_images_warn_that_only_the_first_frame_is_taken(tmp_path, name, warning):
    first, *rest = _frames(3)
    first.save(tmp_path / name, save_all=True, append_images=rest, lossless=True)
    decoded = read_image(tmp_path / name)
    assert decoded.warnings == (warning,)
    assert decoded.pixels.shape == (16, 24, 3) and abs(int(decoded.pixels.mean()) - 10) <= 2


def test_sixteen_bit_multi_page_tiff_warns_too(tmp_path):
    pages = np.stack([np.full((8, 8, 3), 1000 * (i + 1), np.uint16) for i in range(2)])
    tifffile.imwrite(tmp_path / "wide.tif", pages, photometric="rgb")
    decoded = read_image(tmp_path / "wide.tif")
    assert decoded.pixels.dtype == np.uint16 and decoded.pixels.max() == 1000
    assert decoded.warnings == ("multi-page TIFF with 2 pages: only the first page is enhanced",)


def test_single_images_and_tiff_thumbnails_give_no_warning(tmp_path):
    with tifffile.TiffWriter(tmp_path / "thumb.tif") as tif:
        tif.write(np.full((16, 16, 3), 100, np.uint8), photometric="rgb")
        tif.write(np.full((4, 4, 3), 100, np.uint8), photometric="rgb", subfiletype=1)
    first = _frames(1)[0]
    for name in ("still.gif", "still.png", "still.webp", "still.jpg"):
        first.save(tmp_path / name)
    for path in sorted(tmp_path.iterdir()):
        assert read_image(path).warnings == (), path.name
