import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from tests.conftest import PEER_WEIGHTS, brightening_model
from zerodce_core.checkpoint import MAX_MODEL_CARD, load_checkpoint, save_checkpoint
from zerodce_core.errors import CheckpointError
from zerodce_core.model import DCENet


def _same_output(a: torch.nn.Module, b: torch.nn.Module) -> None:
    x = torch.rand(1, 3, 24, 24)
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x))


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = brightening_model()
    path = save_checkpoint(tmp_path / "m.safetensors", model, model_card="card text",
                           training_config={"epochs": 3}, metadata={"steps": 10},
                           extra_tensors={"optim.exp_avg": torch.ones(3)})
    loaded = load_checkpoint(path)
    _same_output(loaded.model, model)
    assert loaded.info.arch == "zerodce" and loaded.info.iterations == 8
    assert loaded.info.model_card == "card text"
    assert loaded.info.training_config == {"epochs": 3}
    assert loaded.info.metadata["steps"] == 10 and loaded.info.parameter_count == 79_416
    assert torch.equal(loaded.extra_tensors["optim.exp_avg"], torch.ones(3))


def test_saved_weights_hold_no_subnormals(tmp_path):
    model = DCENet()
    with torch.no_grad():
        model.e_conv1.weight[0, 0, 0, 0] = 1e-41
    loaded = load_checkpoint(save_checkpoint(tmp_path / "m.safetensors", model)).model
    tiny = torch.finfo(torch.float32).tiny
    for p in loaded.parameters():
        assert not ((p != 0) & (p.abs() < tiny)).any()


def test_official_zerodce_layout(tmp_path):
    model = brightening_model()
    torch.save(model.state_dict(), tmp_path / "Epoch99.pth")
    loaded = load_checkpoint(tmp_path / "Epoch99.pth")
    assert loaded.info.source_format == "official-zerodce"
    _same_output(loaded.model, model)


def test_official_zerodce_pp_layout_with_dataparallel_prefix(tmp_path):
    model = brightening_model("zerodce++")
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    torch.save(state, tmp_path / "pp.pth")
    loaded = load_checkpoint(tmp_path / "pp.pth")
    assert loaded.info.arch == "zerodce++" and loaded.model.shared_maps
    _same_output(loaded.model, model)


class SeedDCENet(torch.nn.Module):
    """The seed implementation's forward: concatenations in (deep, skip) order."""

    def __init__(self) -> None:
        super().__init__()
        sizes = [(3, 32), (32, 32), (32, 32), (32, 32), (64, 32), (64, 32), (64, 24)]
        for i, (cin, cout) in enumerate(sizes, 1):
            setattr(self, f"conv{i}", torch.nn.Conv2d(cin, cout, 3, padding=1))

    def forward(self, x):
        r = torch.relu
        o1 = r(self.conv1(x))
        o2 = r(self.conv2(o1))
        o3 = r(self.conv3(o2))
        o4 = r(self.conv4(o3))
        o5 = r(self.conv5(torch.cat([o4, o3], 1)))
        o6 = r(self.conv6(torch.cat([o5, o2], 1)))
        return torch.tanh(self.conv7(torch.cat([o6, o1], 1)))


def test_seed_dict_layout_with_numpy_scalars(tmp_path):
    seed = SeedDCENet().eval()
    torch.save({"epoch": 151, "model": seed.state_dict(), "val_loss": np.float64(0.59),
                "loss_history": [np.array([0.1, 0.2])], "HyperParam": {"lr": 1e-4}},
               tmp_path / "seed.pth")
    loaded = load_checkpoint(tmp_path / "seed.pth")
    assert loaded.info.source_format == "seed-bsun0802"
    _same_output(loaded.model, seed)


class Payload:
    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    payload = Payload()
    payload.marker = marker
    torch.save({"e_conv1.weight": payload}, tmp_path / "evil.pth")
    with pytest.raises(CheckpointError, match="evil.pth.*arbitrary code"):
        load_checkpoint(tmp_path / "evil.pth")
    assert not marker.exists()


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"this is not a checkpoint at all", "not a model file: it is a 31-byte text file"),
    (b"\x10\x00\x00\x00\x00\x00\x00\x00{broken json", "corrupt"),
])
def test_bad_files_are_refused_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=reason) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)


def test_unknown_layout_and_missing_file(tmp_path):
    torch.save({"encoder.weight": torch.zeros(2)}, tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match="unknown checkpoint layout"):
        load_checkpoint(tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pth")


def test_wrong_shapes_are_refused(tmp_path):
    state = DCENet().state_dict()
    state["e_conv2.weight"] = torch.zeros(16, 32, 3, 3)
    torch.save(state, tmp_path / "shapes.pth")
    with pytest.raises(CheckpointError, match="do not fit") as caught:
        load_checkpoint(tmp_path / "shapes.pth")
    assert ("size mismatch for e_conv2.weight: copying a param with shape torch.Size([16, 32, "
            "3, 3]) from checkpoint, the shape in current model is torch.Size([32, 32, 3, 3])"
            ) in str(caught.value)  # the detail, not torch's header line


def test_an_unreadable_model_file_is_a_clear_error(model_file, monkeypatch):
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self == model_file:  # as root, chmod 000 would not stop the read
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(model_file)
    assert str(caught.value) == f"{model_file}: permission denied"


@pytest.mark.parametrize("name, arch, source", [
    ("zerodce_official_Epoch99.pth", "zerodce", "official-zerodce"),
    ("zerodcepp_official_Epoch99.pth", "zerodce++", "official-zerodce++"),
    ("bsun0802_8LE-color-loss2_best_model.pth", "zerodce", "seed-bsun0802"),
])
def test_real_peer_checkpoints(name: str, arch: str, source: str):
    path = PEER_WEIGHTS / name
    if not path.exists():
        pytest.skip("../shared/peer_weights is not present")
    loaded = load_checkpoint(path)
    assert (loaded.info.arch, loaded.info.source_format) == (arch, source)
    dark = torch.full((1, 3, 32, 32), 0.1)
    with torch.no_grad():
        assert loaded.model(dark).mean() < 0  # negative maps brighten a dark image


def test_path_in_error_is_a_path(tmp_path: Path):
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / "nope.safetensors")
    assert info.value.path == tmp_path / "nope.safetensors"


# --- hostile files (issue 12, items 9 and 11): each is built here from a sound checkpoint ---


def tampered(tmp_path: Path, name: str = "tampered.safetensors", *, tensors=None,
              **header: str) -> Path:
    """A checkpoint of ours with some header entries or tensors replaced."""
    sound = save_checkpoint(tmp_path / "sound.safetensors", brightening_model(),
                            model_card="card", training_config={"epochs": 3},
                            metadata={"step": 10})
    with safe_open(str(sound), framework="pt") as fh:
        stored = {**fh.metadata(), **header}
    path = tmp_path / name
    save_file(tensors if tensors is not None else load_file(str(sound)), str(path),
              metadata=stored)
    return path


def _weights(**changes: torch.Tensor) -> dict[str, torch.Tensor]:
    return {**brightening_model().state_dict(), **changes}


@pytest.mark.parametrize("change, problem", [
    (lambda w: w.index_fill(0, torch.tensor([0]), float("nan")), "288 NaN or infinite values"),
    (lambda w: torch.where(w > 0, torch.inf, w), "NaN or infinite values"),
])
def test_weights_with_nan_or_infinity_are_refused(tmp_path, change, problem):
    state = _weights()
    state["e_conv3.weight"] = change(state["e_conv3.weight"])
    torch.save(state, tmp_path / "official.pth")
    for path in (tampered(tmp_path, tensors=state), tmp_path / "official.pth"):
        with pytest.raises(CheckpointError) as caught:
            load_checkpoint(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: damaged weights: 'e_conv3.weight' holds")
        assert problem in message


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8, torch.bool,
                                   torch.float8_e4m3fn, torch.float8_e5m2])
def test_weights_that_are_not_floats_are_refused(tmp_path, dtype):
    state = {k: v.to(dtype) for k, v in _weights().items()}
    path = tampered(tmp_path, tensors=state)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    name = str(dtype).removeprefix("torch.")
    assert f"{path}: 'e_conv1.bias' holds {name} values, but weights must be float32" in str(
        caught.value)
    torch.save(state, tmp_path / "peer.pth")
    with pytest.raises(CheckpointError, match=f"peer.pth: .* holds {name} values"):
        load_checkpoint(tmp_path / "peer.pth")


def test_half_and_double_precision_weights_still_load(tmp_path):
    for dtype in (torch.float16, torch.bfloat16, torch.float64):
        state = {k: v.to(dtype) for k, v in _weights().items()}
        assert load_checkpoint(tampered(tmp_path, tensors=state)).model.e_conv1.weight.isfinite(
            ).all()


def test_damaged_training_state_is_refused(tmp_path):
    tensors = {**_weights(), "extra.optim.0.exp_avg": torch.tensor([1.0, float("nan")])}
    with pytest.raises(CheckpointError, match="damaged saved training state: 'optim.0.exp_avg'"):
        load_checkpoint(tampered(tmp_path, tensors=tensors))


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("header, problem", [
    ({"training_config": DEEP}, "malformed training settings: nested too deeply"),
    ({"metadata": '{"a": ' + DEEP + "}"}, "malformed metadata: nested too deeply"),
    ({"metadata": '{"a": ' + "[" * 20 + "]" * 20 + "}"},
     "malformed metadata: nested more than 8 levels deep"),
    ({"training_config": "[1, 2]"}, "malformed training settings: a JSON list where a mapping"),
    ({"metadata": '"text"'}, "malformed metadata: a JSON string where a mapping"),
    ({"training_config": "{not json"}, "malformed training settings (not JSON"),
    ({"metadata": '{"parameters": "79k"}'},
     "malformed metadata: the parameter count is '79k', not a whole number"),
    ({"metadata": '{"parameters": 1e400}'}, "the parameter count is inf, not a whole number"),
    ({"metadata": '{"parameters": 79416.5}'}, "the parameter count is 79416.5"),
    ({"metadata": '{"resume": [1]}'}, "the resume state is [1], not a mapping"),
    ({"metadata": '{"resume": {"step": "3", "steps_per_epoch": 5, "best_loss": 1, '
                  '"epoch_loss_sum": 0}}'}, "resume step is '3', not a whole number"),
    ({"metadata": '{"resume": {"step": 3, "steps_per_epoch": 0, "best_loss": 1, '
                  '"epoch_loss_sum": 0}}'}, "resume steps_per_epoch is 0"),
    ({"metadata": '{"resume": {"step": 3, "steps_per_epoch": 5, "best_loss": NaN, '
                  '"epoch_loss_sum": 0}}'}, "resume best_loss is nan, not a number"),
    ({"iterations": "8.0"}, "malformed metadata: iterations is '8.0', not a whole number"),
    ({"iterations": "1000000"}, "1000000 curve iterations: a model has 1 to 32"),
    ({"arch": "\x1b[2J" + "x" * 5000}, "unknown architecture '\\x1b[2Jxxx"),
])
def test_malformed_metadata_is_refused_with_the_reason(tmp_path, header, problem):
    path = tampered(tmp_path, **header)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert len(message) < 300 + len(str(path)) and "\x1b" not in message


def test_an_oversized_header_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = tampered(tmp_path, model_card="x" * 2_000_000)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed anyway"))
    with pytest.raises(CheckpointError, match=r"header is 2\.0 MB, more than the 1\.0 MB"):
        load_checkpoint(path)


def test_a_file_too_large_to_load_is_never_written(tmp_path):
    with pytest.raises(CheckpointError, match=r"metadata would take 2\.0 MB, more than the 1\.0"):
        save_checkpoint(tmp_path / "m.safetensors", DCENet(), model_card="x" * 2_000_000)
    assert list(tmp_path.iterdir()) == []


def test_a_huge_last_layer_is_refused_before_a_network_is_built(tmp_path):
    state = _weights(**{"e_conv7.weight": torch.zeros(3 * 10_000, 1, 1, 1)})
    torch.save(state, tmp_path / "wide.pth")
    with pytest.raises(CheckpointError, match="10000 curve iterations: a model has 1 to 32"):
        load_checkpoint(tmp_path / "wide.pth")
    torch.save(_weights(**{"e_conv7.weight": torch.tensor(1.0)}), tmp_path / "scalar.pth")
    with pytest.raises(CheckpointError, match=r"e_conv7.weight has shape \(\), not that of a"):
        load_checkpoint(tmp_path / "scalar.pth")


def test_model_card_is_plain_text_of_bounded_length(tmp_path):
    card = ("# Card\r\n\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m, tab\there\n"
            "\u202eevil\x08\x00" + "y" * 50_000)
    info = load_checkpoint(tampered(tmp_path, model_card=card)).info
    assert info.model_card.startswith("# Card\nred, tab\there\nevil" + "y" * 100)
    assert len(info.model_card) < MAX_MODEL_CARD + 100
    assert info.model_card.endswith("[... cut: 50,025 characters, the first 20,000 shown]")
