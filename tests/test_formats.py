import pytest

from zerodce_core import formats, imageio
from zerodce_core.errors import ImageWriteError
from zerodce_core.formats import (
    UnknownFormatError,
    format_for_path,
    image_format,
    output_format,
)


def test_registry_order_and_what_each_format_stores():
    assert formats.WRITE_NAMES == ("jpeg", "png", "tiff", "webp")
    assert [f.extension for f in formats.WRITABLE] == [".jpg", ".png", ".tif", ".webp"]
    jpeg, png = image_format("jpeg"), image_format("png")
    assert (jpeg.lossy, jpeg.alpha, jpeg.bit_depths) == (True, False, (8,))
    assert (png.lossy, png.alpha, png.bit_depths) == (False, True, (8, 16))
    assert jpeg.output_depth(16, 16) == 8 and png.output_depth(None, 16) == 16
    assert png.output_depth(8, 16) == 8


def test_names_are_matched_loosely():
    assert {image_format(n).name for n in ("jpg", "JPEG", "Jpg", ".jpeg")} == {"jpeg"}
    assert image_format("TIF").name == image_format("tiff").name == "tiff"
    with pytest.raises(UnknownFormatError, match="choose from jpeg, png, tiff, webp"):
        image_format("gif")
    with pytest.raises(UnknownFormatError):
        image_format("bmp")  # read, but never written


def test_format_for_path():
    expected = {"a.JPEG": "jpeg", "a.jpg": "jpeg", "a.png": "png", "a.tiff": "tiff",
                "a.TIF": "tiff", "b/a.webp": "webp"}
    assert {name: format_for_path(name).name for name in expected} == expected
    with pytest.raises(ImageWriteError, match=r"can't write '\.gif' files"):
        format_for_path("a.gif")


def test_output_format_keeps_the_input_where_it_can():
    assert output_format("x.JPG", None).name == "jpeg"
    assert output_format("x.bmp", None).name == "png"  # read-only: lossless instead
    assert output_format("x.bmp", "jpg").name == "jpeg"


def test_reader_extensions_come_from_the_registry():
    listed = {ext for f in formats.FORMATS for ext in f.extensions}
    assert listed >= imageio.READ_EXTENSIONS
    assert {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"} <= imageio.READ_EXTENSIONS
