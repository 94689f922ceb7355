import torch

from zerodce_core.model import ARCHITECTURES, DCENet, DCENetPP, build_model


def test_dcenet_matches_the_paper():
    model = DCENet()
    assert sum(p.numel() for p in model.parameters()) == 79_416
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 7
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert model(torch.rand(2, 3, 33, 47)).shape == (2, 24, 33, 47)


def test_maps_are_bounded_by_tanh():
    maps = DCENet()(torch.randn(1, 3, 16, 16) * 100)
    assert maps.abs().max() <= 1.0


def test_zerodce_pp_shares_one_map():
    model = DCENetPP()
    assert model.shared_maps and model.map_count == 1
    assert sum(p.numel() for p in model.parameters()) == 10_561
    assert model(torch.rand(1, 3, 20, 20)).shape == (1, 3, 20, 20)


def test_registry_builds_by_name():
    assert set(ARCHITECTURES) == {"zerodce", "zerodce++", "zerodce-exposure"}
    assert build_model("zerodce", iterations=4)(torch.rand(1, 3, 8, 8)).shape[1] == 12


def test_exposure_net_starts_as_its_base_and_follows_the_level():
    torch.manual_seed(0)
    base = DCENet()
    conditioned = build_model("zerodce-exposure")
    conditioned.load_state_dict(base.state_dict(), strict=False)
    x = torch.rand(2, 3, 16, 16)
    levels = torch.tensor([0.3, 0.8])
    assert torch.equal(conditioned(x, levels), base(x))  # zero shifts: the base net exactly
    with torch.no_grad():
        conditioned.exposure_shift.fill_(1.0)
    maps = conditioned(x, levels)
    assert not torch.allclose(maps[0], maps[1])
    assert sum(p.numel() for p in conditioned.parameters()) == 79_416 + 192
