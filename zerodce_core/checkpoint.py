"""Model files: our safetensors format, plus the peer checkpoints users already have.

Nothing here runs pickled code. Our own files are safetensors (tensors plus a
JSON metadata header). Legacy `.pth` files go through `torch.load` with
`weights_only=True` and an allowlist of the few numpy globals the seed
implementation's checkpoint needs; anything else is refused.

Peer layouts recognised by their keys and shapes:
- official Zero-DCE: plain state dict `e_conv1.weight` ... `e_conv7.weight`;
- official Zero-DCE++: `e_conv1.depth_conv.weight` ... `e_conv7.point_conv.bias`;
- the seed (bsun0802) checkpoint: dict with `model` holding `conv1` ... `conv7`,
  whose skip concatenations are in the opposite order (so input halves swap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .errors import CheckpointError, os_reason
from .model import DEFAULT_ITERATIONS, NETWORKS, CurveNet, build_model
from .output import OutputGuard

FORMAT_NAME = "zerodce-checkpoint"
FORMAT_VERSION = 1
EXTRA_PREFIX = "extra."

# The seed checkpoint stores numpy scalars and arrays (loss history); these
# globals rebuild plain numbers and arrays and cannot run arbitrary code.
_NUMPY_SAFE_GLOBALS: list[Any] = [
    (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"),
    (np._core.multiarray._reconstruct, "numpy.core.multiarray._reconstruct"),
    np._core.multiarray.scalar,
    np._core.multiarray._reconstruct,
    np.ndarray,
    np.dtype,
    *{type(np.dtype(t)) for t in ("float64", "float32", "float16", "int64", "int32", "bool")},
]


@dataclass
class ModelInfo:
    """What a checkpoint says about itself; shown by `zerodce info` and the app."""

    arch: str
    iterations: int
    source_format: str  # "zerodce", "official-zerodce", "official-zerodce++", "seed-bsun0802"
    path: Path | None = None
    model_card: str = ""
    training_config: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def parameter_count(self) -> int:
        return int(self.metadata.get("parameters", 0))


@dataclass
class LoadedCheckpoint:
    model: CurveNet
    info: ModelInfo
    #: Additional tensors saved under `extra.` (optimizer state for resuming training).
    extra_tensors: dict[str, torch.Tensor] = field(default_factory=dict)


def flush_subnormals_(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Zero subnormal floats: they make CPU convolutions up to 30x slower."""
    for tensor in state.values():
        if tensor.is_floating_point():
            tiny = torch.finfo(tensor.dtype).tiny
            tensor.masked_fill_(tensor.abs() < tiny, 0.0)
    return state


def save_checkpoint(
    path: str | Path,
    model: CurveNet,
    *,
    model_card: str = "",
    training_config: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    extra_tensors: dict[str, torch.Tensor] | None = None,
    guard: OutputGuard | None = None,
) -> Path:
    """Write `model` as safetensors with its description in the header, through `guard`
    (default: replace an existing file, as a training run updates its own checkpoints)."""
    path = Path(path)
    state = {k: v.detach().to("cpu", torch.float32).contiguous().clone()
             for k, v in model.state_dict().items()}
    flush_subnormals_(state)
    for key, tensor in (extra_tensors or {}).items():
        state[EXTRA_PREFIX + key] = tensor.detach().cpu().contiguous().clone()
    header = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "arch": model.arch,
        "iterations": str(model.iterations),
        "model_card": model_card,
        "training_config": json.dumps(training_config or {}),
        "metadata": json.dumps(
            {"parameters": sum(p.numel() for p in model.parameters()), **(metadata or {})}
        ),
    }
    with (guard or OutputGuard()).writing(path) as tmp:
        save_file(state, str(tmp), metadata=header)
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> LoadedCheckpoint:
    """Load any supported checkpoint; raise CheckpointError naming the file and reason."""
    path = Path(path)
    try:
        if not path.is_file():
            raise CheckpointError(path, "file not found")
        if path.stat().st_size == 0:
            raise CheckpointError(path, "file is empty")
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:  # unreadable (permissions, a failing disk...)
        raise CheckpointError(path, os_reason(exc)) from None
    loaded = _load_ours(path) if _looks_like_safetensors(head) else _load_peer(path)
    loaded.info.path = path
    loaded.model.to(map_location)
    loaded.model.eval()
    return loaded


def _looks_like_safetensors(head: bytes) -> bool:
    return len(head) >= 9 and head[8:9] == b"{"


def _load_ours(path: Path) -> LoadedCheckpoint:
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as fh:
            header = fh.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(path, f"corrupt safetensors file ({exc})") from None
    if header.get("format") != FORMAT_NAME:
        # A bare safetensors state dict (no header of ours): infer like a peer file.
        return _from_state_dict(path, tensors, "safetensors")
    arch = header.get("arch", "")
    if arch not in NETWORKS:
        raise CheckpointError(path, f"unknown architecture {arch!r}")
    try:
        iterations = int(header.get("iterations", DEFAULT_ITERATIONS))
        training_config = json.loads(header.get("training_config", "{}"))
        metadata = json.loads(header.get("metadata", "{}"))
    except ValueError as exc:
        raise CheckpointError(path, f"malformed metadata ({exc})") from None
    extra = {k[len(EXTRA_PREFIX):]: v for k, v in tensors.items() if k.startswith(EXTRA_PREFIX)}
    weights = {k: v for k, v in tensors.items() if not k.startswith(EXTRA_PREFIX)}
    model = _instantiate(path, arch, iterations, weights)
    info = ModelInfo(
        arch=arch,
        iterations=iterations,
        source_format="zerodce",
        model_card=header.get("model_card", ""),
        training_config=training_config,
        metadata=metadata,
    )
    return LoadedCheckpoint(model, info, extra)


def _load_peer(path: Path) -> LoadedCheckpoint:
    try:
        with torch.serialization.safe_globals(_NUMPY_SAFE_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for bad files
        raise CheckpointError(path, _describe_load_failure(exc)) from None
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        return _from_state_dict(path, obj["model"], "seed-bsun0802")
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise CheckpointError(path, f"unknown checkpoint layout (a {type(obj).__name__})")
    return _from_state_dict(path, obj, "official")


def _describe_load_failure(exc: Exception) -> str:
    text = str(exc)
    if "Weights only load failed" in text or "Unsupported global" in text:
        marker = "Unsupported global: GLOBAL "
        name = text.split(marker, 1)[1].split()[0] if marker in text else "an object"
        return (f"refused: loading it would unpickle {name}, which could run arbitrary code; "
                "only plain weight files are accepted")
    return f"not a readable PyTorch checkpoint ({text.splitlines()[0][:200] if text else exc!r})"


def _from_state_dict(path: Path, state: dict[str, Any], origin: str) -> LoadedCheckpoint:
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(path, "unknown checkpoint layout (values are not all tensors)")
    if "e_conv1.depth_conv.weight" in state:
        arch, source = "zerodce++", "official-zerodce++"
        iterations = DEFAULT_ITERATIONS
    elif "e_conv7.weight" in state:
        arch, source = "zerodce", "official-zerodce"
        iterations = state["e_conv7.weight"].shape[0] // 3
    elif "conv7.weight" in state:
        arch, source = "zerodce", "seed-bsun0802"
        iterations = state["conv7.weight"].shape[0] // 3
        state = _seed_to_official(state)
    else:
        sample = ", ".join(list(state)[:4]) or "no keys"
        raise CheckpointError(path, f"unknown checkpoint layout (keys: {sample})")
    if origin == "safetensors":
        source = f"{source} (safetensors)"
    model = _instantiate(path, arch, iterations, state)
    info = ModelInfo(arch=arch, iterations=iterations, source_format=source,
                     metadata={"parameters": sum(p.numel() for p in model.parameters())})
    return LoadedCheckpoint(model, info)


def _seed_to_official(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The seed concatenates (deep, skip); the official net (skip, deep): swap input halves."""
    out = {}
    for key, tensor in state.items():
        layer, _, kind = key.partition(".")
        if layer in ("conv5", "conv6", "conv7") and kind == "weight":
            half = tensor.shape[1] // 2
            tensor = torch.cat([tensor[:, half:], tensor[:, :half]], 1)
        out[f"e_{layer}.{kind}"] = tensor
    return out


def _instantiate(
    path: Path, arch: str, iterations: int, state: dict[str, torch.Tensor]
) -> CurveNet:
    try:
        model = build_model(arch, iterations)
        state = flush_subnormals_({k: v.float() for k, v in state.items()})
        model.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError) as exc:
        reason = f"weights do not fit the {arch} architecture ({_misfits(exc)})"
        raise CheckpointError(path, reason) from None
    return model


def _misfits(exc: Exception, shown: int = 3, width: int = 300) -> str:
    """The useful lines of torch's load_state_dict error (its first line only names the
    class), each complete unless absurdly long, the first `shown` of them."""
    lines = [line.strip() for line in str(exc).splitlines()]
    details = [line for line in lines[1:] if line] or lines[:1]
    text = "; ".join(line if len(line) <= width else line[:width] + "..."
                     for line in details[:shown])
    return text + (f"; and {len(details) - shown} more" if len(details) > shown else "")
