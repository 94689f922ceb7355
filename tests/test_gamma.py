import re

import numpy as np
import pytest
from PIL import Image

from zerodce_core.gamma import (
    comparison_sheet,
    gamma_correct,
    gamma_like,
    matched_gamma,
    write_contact_pdf,
)


def test_gamma_correct_brightens_and_keeps_alpha():
    image = np.array([[[0, 64, 255, 7]]], np.uint8)
    out = gamma_correct(image, 2.0)
    assert out.tolist() == [[[0, 128, 255, 7]]]
    assert np.array_equal(gamma_correct(image, 1.0), image)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_matched_gamma_hits_the_target_mean(dark_image, dtype):
    image = dark_image.astype(dtype) * (257 if dtype == np.uint16 else 1)
    gamma = matched_gamma(image, 0.45)
    assert gamma > 1
    assert gamma_correct(image, gamma).mean() / np.iinfo(dtype).max == pytest.approx(0.45, abs=2e-3)
    assert matched_gamma(image, 1.0) == pytest.approx(20.0, rel=1e-3)  # out of reach: the end


def test_gamma_like_matches_the_enhanced_brightness(dark_image):
    enhanced = np.clip(dark_image.astype(int) * 4, 0, 255).astype(np.uint8)
    gamma, corrected = gamma_like(dark_image, enhanced)
    assert abs(corrected.mean() - enhanced.mean()) < 1.0 and gamma > 1


def test_sheet_and_pdf(dark_image, tmp_path):
    enhanced = np.clip(dark_image.astype(int) * 4, 0, 255).astype(np.uint8)
    sheet = comparison_sheet(dark_image, enhanced, panel=120, title="dark.png")
    assert sheet.width == 360 and sheet.height > 120 * 64 / 96
    panels = np.asarray(sheet)
    assert panels[:, 240:].mean() > panels[:, :120].mean()  # Zero-DCE panel brighter than input
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"s{i}.jpg")
        sheet.save(paths[-1])
    pdf = write_contact_pdf(tmp_path / "all.pdf", paths)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) == 3
    with pytest.raises(ValueError):
        write_contact_pdf(tmp_path / "none.pdf", [])
    assert Image.open(paths[0]).size == sheet.size
