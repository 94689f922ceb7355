"""What an exported file says about itself, in the ONNX `metadata_props`.

Runtimes expose these key/value strings (ONNX Runtime's `get_modelmeta().custom_metadata_map`,
OpenVINO's `rt_info["framework"]`), so the licence, the training data and the model card
travel with the file, and a program can read the interface (iterations, default strength,
fast size) without parsing the graph.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..bundled import DEFAULT_MODEL, resource_path
from ..checkpoint import ModelInfo

#: What is known about checkpoints that do not describe themselves (see ../shared/peer_weights).
PEER_CHECKPOINTS = {
    "official-zerodce": (
        "CC BY-NC 4.0 (official Zero-DCE weights: non-commercial research use only)",
        "SICE Part 1 multi-exposure images, as trained by the Zero-DCE authors (Guo et al., "
        "CVPR 2020)"),
    "official-zerodce++": (
        "CC BY-NC 4.0 (official Zero-DCE++ weights: non-commercial research use only)",
        "SICE Part 1 multi-exposure images, as trained by the Zero-DCE++ authors (Li et al., "
        "TPAMI 2021)"),
    "seed-bsun0802": (
        "unknown: the bsun0802/Zero-DCE checkpoint ships without a licence",
        "SICE Part 1, as trained by bsun0802/Zero-DCE"),
}
BUNDLED = ("MIT", "")  # training data: from the model card's "Training data" section
UNSTATED = "not stated by the checkpoint"


def metadata_props(info: ModelInfo, *, mode: str, interface: str,
                   extra: dict[str, str]) -> dict[str, str]:
    """The key/value strings for `onnx.helper.set_model_props`."""
    licence, data = _licence_and_data(info)
    props = {
        "variant": mode,
        "interface": interface,
        "architecture": info.arch,
        "iterations": str(info.iterations),
        "parameters": str(info.parameter_count),
        "source_format": info.source_format,
        "license": licence,
        "training_data": data or _card_section(info.model_card, "Training data") or UNSTATED,
        "model_card": info.model_card,
        **extra,
    }
    if info.path is not None:
        props["source_file"] = info.path.name
        props["source_sha256"] = hashlib.sha256(info.path.read_bytes()).hexdigest()
    return {key: value for key, value in props.items() if value}


def _licence_and_data(info: ModelInfo) -> tuple[str, str]:
    stated = str(info.metadata.get("license", ""))
    if stated:
        return stated, ""
    if info.path is not None and _same_file(info.path, resource_path(DEFAULT_MODEL)):
        return BUNDLED
    base_format = info.source_format.split(" ")[0]  # "official-zerodce (safetensors)"
    return PEER_CHECKPOINTS.get(base_format, (UNSTATED, ""))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _card_section(card: str, title: str) -> str:
    """The text under a markdown heading `title` (any level), up to the next heading."""
    match = re.search(rf"^#+\s*{re.escape(title)}\s*$(.*?)(?=^#|\Z)", card, re.M | re.S | re.I)
    return " ".join(match.group(1).split()) if match else ""
