"""Device and precision choice: CUDA, then MPS, then CPU, and what each runs fastest.

On a CPU the choice follows what the CPU reports (/proc/cpuinfo flags, else torch's own
checks): int8 where it has VNNI or AMX-INT8 (`quantized.Int8DCENet`: 3-8x fp32 and faster
than bf16 without AMX), bf16 where it has AVX-512 BF16 or AMX-BF16, fp32 otherwise. The noise
network keeps bf16 where the CPU has it and goes int8 on VNNI CPUs without it
(`noise_int8`, `quantized_noise`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import torch

from .errors import ZeroDCEError


class DeviceError(ZeroDCEError):
    """An explicitly requested device is not available on this machine."""


def available_devices() -> list[str]:
    """Names a user can pick from, only those present: "cpu", "cuda:0".., "mps"."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()})"
    return str(device)


def select_device(name: str = "auto") -> torch.device:
    """Resolve "auto" to the best present device; refuse an absent explicit one."""
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device {name!r}; choose from auto, "
                          f"{', '.join(available_devices())}") from None
    if device.type == "cuda":
        index = device.index or 0
        if not torch.cuda.is_available() or index >= torch.cuda.device_count():
            raise DeviceError(f"device {name!r} is not available (no such CUDA GPU)")
        return torch.device("cuda", index)
    if device.type == "mps" and not _mps_available():
        raise DeviceError("device 'mps' is not available (needs Apple silicon and macOS 12.3+)")
    if device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"unsupported device {name!r}")
    return device


def configure_cpu(threads: int | None = None) -> None:
    """Flush subnormals (they slow CPU convolutions up to 30x) and set the thread count."""
    torch.set_flush_denormal(True)
    if threads:
        torch.set_num_threads(max(1, int(threads)))


def fast_dtype(device: torch.device) -> torch.dtype:
    """The reduced precision this device runs the network fastest in, or float32.

    bf16 stays within 40 dB PSNR of fp32 for DCE-Net outputs (MACHINE-FACTS: max
    difference 2.6e-3), so it is used wherever the hardware does it natively.
    """
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    if device.type == "cpu" and cpu_flags() & {"avx512_bf16", "amx_bf16"}:
        return torch.bfloat16
    return torch.float32


Precision = Literal["int8", "bf16", "fp32"]
#: CPU flags of fast int8 dot products (VNNI: 4 multiply-adds per lane and instruction).
_INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


def curve_precision(device: torch.device, int8_ready: bool) -> Precision:
    """What the curve network runs in: int8 on CPUs with VNNI when the model and this torch
    build allow it (`int8_ready`), else the device's fast float type."""
    if device.type == "cpu" and int8_ready and cpu_flags() & _INT8_FLAGS:
        return "int8"
    return "bf16" if fast_dtype(device) == torch.bfloat16 else "fp32"


def noise_int8(device: torch.device) -> bool:
    """Whether the noise network runs in int8: on CPUs with VNNI but no bf16, where its float
    path is fp32 (1.7 s for a 12 MP photo on 2 cores with the curves, 1.5 s allowed). Where
    bf16 is native the noise network keeps it, closer to fp32 and within the budget."""
    return (device.type == "cpu" and fast_dtype(device) == torch.float32
            and bool(cpu_flags() & _INT8_FLAGS))


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The running CPU's feature flags that matter here (Linux: /proc/cpuinfo; elsewhere
    torch's checks)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    checks = {"avx512_bf16": "_is_avx512_bf16_supported", "avx512_vnni": "_is_vnni_supported",
              "amx_tile": "_is_amx_tile_supported"}
    return frozenset(flag for flag, check in checks.items()
                     if getattr(torch.cpu, check, lambda: False)())


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())
