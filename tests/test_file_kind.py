"""A file that is not a model says what it is, so the user knows which mistake was made."""

import io
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from zerodce_core.checkpoint import load_checkpoint
from zerodce_core.errors import CheckpointError
from zerodce_core.file_kind import describe


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(out, "JPEG")
    return out.getvalue()


def _zip_of(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return out.getvalue()


def _torch_file() -> bytes:
    out = io.BytesIO()
    torch.save({"e_conv1.weight": torch.zeros(2)}, out)
    return out.getvalue()


@pytest.mark.parametrize("content, says", [
    (b"105\n", "a 4-byte text file starting '105'"),
    (_jpeg(), "a JPEG photo"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n", "Git LFS pointer"),
    (b"<!DOCTYPE html><html><body>Sign in", "a web page"),
    (_zip_of("model/best.pth", "README.txt"), "a ZIP archive of model/best.pth, README.txt "
                                              "(unpack it first)"),
    (_torch_file()[:200], "a damaged or incomplete ZIP archive"),
    (b"\x80\x02\x8a\x0a garbage", "a damaged or incomplete pickle"),
    (bytes(range(256)) * 2, "binary data of an unknown kind"),
])
def test_a_wrong_model_file_says_what_it_is_and_what_was_expected(tmp_path, content, says):
    path = tmp_path / "model.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and says in message
    assert "expected a Zero-DCE model: a .safetensors file written by zerodce train" in message


def test_describe_cuts_long_first_lines_and_names_onnx(tmp_path):
    shown = "a" * 40
    assert describe("notes.txt", b"a" * 100, 100) == f"a 100-byte text file starting '{shown}...'"
    assert describe(tmp_path / "m.onnx", b"\x08\x07\x12\x07pytorch").startswith("an ONNX model")
    assert describe("x.pth", "größe\n".encode()[:3]).startswith("a text file")  # cut mid-character
