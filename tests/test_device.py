"""The network's precision follows what the running CPU reports."""

import pytest
import torch

from zerodce_core import device


@pytest.mark.parametrize("flags, ready, expected", [
    ({"avx512f", "avx512_vnni"}, True, "int8"),  # e.g. Xeon without bf16: the CPU
    ({"avx2", "avx_vnni"}, True, "int8"),  # laptops with AVX-VNNI
    ({"avx512_bf16", "avx512_vnni"}, False, "bf16"),  # int8 not possible (e.g. Zero-DCE++)
    ({"avx512f"}, True, "fp32"),
    (set(), True, "fp32"),
])
def test_cpu_precision_comes_from_the_cpu_flags(monkeypatch, flags, ready, expected):
    monkeypatch.setattr(device, "cpu_flags", lambda: frozenset(flags))
    assert device.curve_precision(torch.device("cpu"), ready) == expected


def test_cpu_flags_are_read_from_the_running_cpu():
    flags = device.cpu_flags()
    assert isinstance(flags, frozenset)
    assert device.fast_dtype(torch.device("cpu")) == (
        torch.bfloat16 if flags & {"avx512_bf16", "amx_bf16"} else torch.float32)
