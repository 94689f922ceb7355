"""Ray is an optional extra: without it the command line works and `--ray` says what to do."""

import sys

import pytest

from zerodce_core.cli import build_parser, main


def test_help_does_not_import_ray(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # any `import ray` now fails
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["enhance", "--help"])
    assert stop.value.code == 0
    assert "--ray [ADDRESS]" in capsys.readouterr().out


def test_ray_option_without_ray_says_how_to_install_it(monkeypatch, tmp_path, model_file,
                                                       capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.delitem(sys.modules, "zerodce_core.distributed.cluster", raising=False)
    (tmp_path / "a.png").write_bytes(b"")
    assert main(["enhance", str(tmp_path / "a.png"), "-o", str(tmp_path / "out"),
                 "--model", str(model_file), "--ray"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'zerodce[ray]'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
