"""Model files: our safetensors format, plus the peer checkpoints users already have.

Nothing here runs pickled code. Our own files are safetensors (tensors plus a
JSON metadata header). Legacy `.pth` files go through `torch.load` with
`weights_only=True` and an allowlist of the few numpy globals the seed
implementation's checkpoint needs; anything else is refused.

Whatever a file holds is checked before it is used, because a damaged or hostile file
must be refused with its name and the reason, never crash a command or turn photos black:
the weights must be finite floats, the header at most MAX_HEADER_BYTES, the metadata a
shallow JSON mapping whose counts are whole numbers; the model card is kept as plain text.

Peer layouts recognised by their keys and shapes:
- official Zero-DCE: plain state dict `e_conv1.weight` ... `e_conv7.weight`;
- official Zero-DCE++: `e_conv1.depth_conv.weight` ... `e_conv7.point_conv.bias`;
- the seed (bsun0802) checkpoint: dict with `model` holding `conv1` ... `conv7`,
  whose skip concatenations are in the opposite order (so input halves swap).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .errors import CheckpointError, os_reason
from .file_kind import HEAD_SIZE, describe
from .model import DEFAULT_ITERATIONS, NETWORKS, CurveNet, build_model
from .output import OutputGuard
from .text import plain_text, shown

FORMAT_NAME = "zerodce-checkpoint"
FORMAT_VERSION = 1
EXTRA_PREFIX = "extra."
#: Far more curve iterations than any published variant uses (8; 16 at most): a file asking
#: for more is damaged, and building its network alone could take gigabytes.
MAX_ITERATIONS = 32
#: A safetensors header (the tensor index plus our metadata) is a few kB; a larger one is
#: refused before it is parsed, whatever safetensors itself would accept (100 MB).
MAX_HEADER_BYTES = 1 << 20
INDEX_ROOM = 64 << 10  # of it, for the tensor index (a resumable checkpoint's: about 5 kB)
#: Our metadata nests two levels (loss weights in the training config, resume state); a
#: file nesting deeper is refused rather than parsed and walked recursively later.
MAX_METADATA_DEPTH = 8
#: Characters of a model card kept (the bundled model's is about 5,000).
MAX_MODEL_CARD = 20_000
#: Weight types a network is loaded from: 8-bit floats (without the scale factors that
#: come with them elsewhere) are too coarse, integers and booleans are not weights at all.
WEIGHT_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)
EXPECTED = ("expected a Zero-DCE model: a .safetensors file written by zerodce train, or an "
            "official Zero-DCE or Zero-DCE++ .pth checkpoint")

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
    size = len(json.dumps(header))  # never write a file load_checkpoint would refuse
    if size > MAX_HEADER_BYTES - INDEX_ROOM:
        raise CheckpointError(path, f"its metadata would take {size / 1e6:,.1f} MB, more than "
                                    f"the {(MAX_HEADER_BYTES - INDEX_ROOM) / 1e6:.1f} MB a "
                                    "model file may hold (a shorter model card?)")
    with (guard or OutputGuard()).writing(path) as tmp:
        save_file(state, str(tmp), metadata=header)
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> LoadedCheckpoint:
    """Load any supported checkpoint; raise CheckpointError naming the file and reason."""
    path = Path(path)
    try:
        if not path.is_file():
            raise CheckpointError(path, "file not found")
        size = path.stat().st_size
        if size == 0:
            raise CheckpointError(path, "file is empty")
        with path.open("rb") as fh:
            head = fh.read(HEAD_SIZE)
    except OSError as exc:  # unreadable (permissions, a failing disk...)
        raise CheckpointError(path, os_reason(exc)) from None
    if _looks_like_safetensors(head):
        loaded = _load_ours(path, head)
    elif head.startswith((b"PK\x03\x04", b"\x80")):  # PyTorch's zip archive, or a pickle
        loaded = _load_peer(path)
    else:
        raise CheckpointError(path, f"not a model file: it is {describe(path, head, size)}; "
                                    f"{EXPECTED}")
    loaded.info.path = path
    loaded.model.to(map_location)
    loaded.model.eval()
    return loaded


def _looks_like_safetensors(head: bytes) -> bool:
    return len(head) >= 9 and head[8:9] == b"{"


def _load_ours(path: Path, head: bytes) -> LoadedCheckpoint:
    header_size = int.from_bytes(head[:8], "little")
    if header_size > MAX_HEADER_BYTES:
        raise CheckpointError(path, f"its header is {header_size / 1e6:,.1f} MB, more than "
                                    f"the {MAX_HEADER_BYTES / 1e6:.1f} MB a model file may hold")
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
        raise CheckpointError(path, f"unknown architecture {shown(arch)}")
    if issubclass(NETWORKS[arch], CurveNet):
        iterations = _stored_iterations(path, header.get("iterations", str(DEFAULT_ITERATIONS)))
    else:
        iterations = NETWORKS[arch].iterations  # nothing to iterate: the stored 0 is unused
    training_config = _json_mapping(path, header, "training_config", "training settings")
    metadata = _json_mapping(path, header, "metadata", "metadata")
    _check_metadata(path, metadata)
    extra = {k[len(EXTRA_PREFIX):]: v for k, v in tensors.items() if k.startswith(EXTRA_PREFIX)}
    weights = {k: v for k, v in tensors.items() if not k.startswith(EXTRA_PREFIX)}
    _check_finite(path, extra, "saved training state")
    model = _instantiate(path, arch, iterations, weights)
    info = ModelInfo(
        arch=arch,
        iterations=iterations,
        source_format="zerodce",
        model_card=plain_text(header.get("model_card", ""), MAX_MODEL_CARD),
        training_config=training_config,
        metadata=metadata,
    )
    return LoadedCheckpoint(model, info, extra)


def _stored_iterations(path: Path, text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise CheckpointError(path, f"malformed metadata: iterations is {shown(text)}, "
                                    "not a whole number")
    return _checked_iterations(path, int(text))


def _checked_iterations(path: Path, iterations: int) -> int:
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise CheckpointError(path, f"{iterations} curve iterations: a model has 1 to "
                                    f"{MAX_ITERATIONS}, so the file is damaged")
    return iterations


def _json_mapping(path: Path, header: dict[str, str], key: str, label: str) -> dict[str, Any]:
    """A JSON object of the header, refused unless it is one, shallowly nested."""
    try:
        value = json.loads(header.get(key, "{}"))
    except RecursionError:
        raise CheckpointError(path, f"malformed {label}: nested too deeply "
                                    f"(at most {MAX_METADATA_DEPTH} levels)") from None
    except ValueError as exc:
        raise CheckpointError(path, f"malformed {label} (not JSON: {exc})") from None
    if not isinstance(value, dict):
        raise CheckpointError(path, f"malformed {label}: a JSON {_json_kind(value)} where a "
                                    "mapping of names to values belongs")
    if _deeper_than(value, MAX_METADATA_DEPTH):
        raise CheckpointError(path, f"malformed {label}: nested more than "
                                    f"{MAX_METADATA_DEPTH} levels deep")
    return value


def _deeper_than(value: object, limit: int) -> bool:
    """Whether lists and mappings nest more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


#: The metadata entries that are read back (not just shown), and what each must be.
_RESUME_FIELDS = {"step": 0, "steps_per_epoch": 1}
_RESUME_NUMBERS = ("best_loss", "epoch_loss_sum")


def _check_metadata(path: Path, metadata: dict[str, Any]) -> None:
    def refuse(name: str, value: object, wanted: str) -> None:
        raise CheckpointError(path, f"malformed metadata: {name} is {shown(value)}, "
                                    f"not {wanted}")

    if "parameters" in metadata and not _whole(metadata["parameters"], 0):
        refuse("the parameter count", metadata["parameters"], "a whole number")
    resume = metadata.get("resume")
    if resume is None:
        return
    if not isinstance(resume, dict):
        refuse("the resume state", resume, "a mapping")
    for name, low in _RESUME_FIELDS.items():
        if not _whole(resume.get(name), low):
            refuse(f"resume {name}", resume.get(name), f"a whole number of at least {low}")
    for name in _RESUME_NUMBERS:
        value = resume.get(name)
        if not isinstance(value, Real) or isinstance(value, bool) or math.isnan(value):
            refuse(f"resume {name}", value, "a number")


def _whole(value: object, low: int) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= low


def _json_kind(value: object) -> str:
    kinds = {list: "list", str: "string", bool: "true/false", int: "number", float: "number"}
    return kinds.get(type(value), "null")


def _load_peer(path: Path) -> LoadedCheckpoint:
    try:
        with torch.serialization.safe_globals(_NUMPY_SAFE_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for bad files
        raise CheckpointError(path, _describe_load_failure(exc, path)) from None
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        return _from_state_dict(path, obj["model"], "seed-bsun0802")
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise CheckpointError(path, f"unknown checkpoint layout (a {type(obj).__name__}); "
                                    f"{EXPECTED}")
    return _from_state_dict(path, obj, "official")


def _describe_load_failure(exc: Exception, path: Path) -> str:
    text = str(exc)
    if "Weights only load failed" in text or "Unsupported global" in text:
        marker = "Unsupported global: GLOBAL "
        name = text.split(marker, 1)[1].split()[0] if marker in text else "an object"
        return (f"refused: loading it would unpickle {name}, which could run arbitrary code; "
                "only plain weight files are accepted")
    with path.open("rb") as fh:
        head = fh.read(HEAD_SIZE)
    return f"not a model file: it is {describe(path, head)}; {EXPECTED}"


def _from_state_dict(path: Path, state: dict[str, Any], origin: str) -> LoadedCheckpoint:
    state = {k.removeprefix("module."): v for k, v in state.items()}
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(path, "unknown checkpoint layout (values are not all tensors); "
                                    f"{EXPECTED}")
    if "e_conv1.depth_conv.weight" in state:
        arch, source = "zerodce++", "official-zerodce++"
        iterations = DEFAULT_ITERATIONS
    elif "e_conv7.weight" in state:
        arch, source = "zerodce", "official-zerodce"
        iterations = _output_maps(path, state, "e_conv7.weight")
    elif "conv7.weight" in state:
        arch, source = "zerodce", "seed-bsun0802"
        iterations = _output_maps(path, state, "conv7.weight")
        state = _seed_to_official(state)
    else:
        sample = ", ".join(list(state)[:4]) or "no keys"
        raise CheckpointError(path, f"unknown checkpoint layout (keys: {sample}); {EXPECTED}")
    if origin == "safetensors":
        source = f"{source} (safetensors)"
    model = _instantiate(path, arch, iterations, state)
    info = ModelInfo(arch=arch, iterations=iterations, source_format=source,
                     metadata={"parameters": sum(p.numel() for p in model.parameters())})
    return LoadedCheckpoint(model, info)


def _output_maps(path: Path, state: dict[str, torch.Tensor], key: str) -> int:
    """Iterations of a DCE-Net from its last layer: three output channels per curve map."""
    shape = state[key].shape
    if len(shape) != 4:
        raise CheckpointError(path, f"weights do not fit the zerodce architecture ({key} has "
                                    f"shape {tuple(shape)}, not that of a convolution)")
    return _checked_iterations(path, shape[0] // 3)


def _seed_to_official(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The seed concatenates (deep, skip); the official net (skip, deep): swap input halves."""
    out = {}
    for key, tensor in state.items():
        layer, _, kind = key.partition(".")
        if layer in ("conv5", "conv6", "conv7") and kind == "weight" and tensor.ndim == 4:
            half = tensor.shape[1] // 2
            tensor = torch.cat([tensor[:, half:], tensor[:, :half]], 1)
        out[f"e_{layer}.{kind}"] = tensor
    return out


def _instantiate(
    path: Path, arch: str, iterations: int, state: dict[str, torch.Tensor]
) -> CurveNet:
    _check_weights(path, state)
    try:
        model = build_model(arch, iterations)
        state = flush_subnormals_({k: v.float() for k, v in state.items()})
        model.load_state_dict(state, strict=True)
    except (RuntimeError, ValueError) as exc:
        reason = f"weights do not fit the {arch} architecture ({_misfits(exc)})"
        raise CheckpointError(path, reason) from None
    return model


def _check_weights(path: Path, state: dict[str, torch.Tensor]) -> None:
    """Refuse weights that are not floats, or hold NaN or infinity: either one turns every
    photo black or leaves it unchanged, which no user would trace back to the model file."""
    for name, tensor in state.items():
        if tensor.dtype not in WEIGHT_DTYPES:
            coarse = " (8-bit floats are too coarse for them)" if tensor.dtype.itemsize == 1 \
                and tensor.is_floating_point() else ""
            raise CheckpointError(path, f"{shown(name)} holds {_dtype_name(tensor.dtype)} "
                                        "values, but weights must be float32, float16, "
                                        f"bfloat16 or float64{coarse}")
    _check_finite(path, state, "weights")


def _check_finite(path: Path, tensors: dict[str, torch.Tensor], what: str) -> None:
    for name, tensor in tensors.items():
        if not tensor.is_floating_point():
            continue
        values = tensor if tensor.dtype in WEIGHT_DTYPES else tensor.float()  # 8-bit floats
        bad = int((~torch.isfinite(values)).sum())
        if bad:
            raise CheckpointError(path, f"damaged {what}: {shown(name)} holds {bad:,} NaN or "
                                        f"infinite value{'s' * (bad > 1)} (a diverged or "
                                        "broken training run?)")


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _misfits(exc: Exception, shown: int = 3, width: int = 300) -> str:
    """The useful lines of torch's load_state_dict error (its first line only names the
    class), each complete unless absurdly long, the first `shown` of them."""
    lines = [line.strip() for line in str(exc).splitlines()]
    details = [line for line in lines[1:] if line] or lines[:1]
    text = "; ".join(line if len(line) <= width else line[:width] + "..."
                     for line in details[:shown])
    return text + (f"; and {len(details) - shown} more" if len(details) > shown else "")
