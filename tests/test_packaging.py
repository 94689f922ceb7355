"""The wheel carries everything an installed copy needs, not only a source checkout."""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from safetensors import safe_open

from zerodce_core.run_record import PATH_FIELDS

ROOT = Path(__file__).resolve().parents[1]
# A local absolute path: a home, temp or work folder, Unix or Windows spelling.
LOCAL_PATH = re.compile(r"(?<![\w:/])/(?:home|Users|tmp|root|work|mnt|media)/|[A-Za-z]:\\\\")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, timeout=300)
    return zipfile.ZipFile(next(out.glob("zerodce-*.whl")))


def test_wheel_ships_resources(wheel):
    names = set(wheel.namelist())
    for required in ["resources/sample.jpg", "resources/icons/zerodce.svg",
                     "resources/models/default.safetensors", "resources/models/MODEL_CARD.md",
                     "zerodce_core/cli/__init__.py", "desktop_app/__main__.py"]:
        assert required in names, required


def test_wheel_declares_both_commands(wheel):
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    text = wheel.read(entry_points).decode()
    assert "zerodce = zerodce_core.cli:main" in text
    assert "zerodce-app = desktop_app.__main__:main" in text


def test_shipped_models_hold_no_local_paths():
    """Checkpoints are shared: their header names datasets and files, never where they were
    on the machine that trained them (re-save an older file's header with
    `run_record.shareable_config(info.training_config)` before shipping it)."""
    for path in sorted((ROOT / "resources" / "models").glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as fh:
            header = fh.metadata()
        config = json.loads(header["training_config"])
        for field in PATH_FIELDS:
            assert not re.search(r"[/\\]", str(config.get(field) or "")), (path.name, field)
        assert not LOCAL_PATH.search(json.dumps(header)), path.name


def readme_commands() -> list[str]:
    """The commands at the top of the README, continuation lines joined, comments dropped."""
    block = (ROOT / "README.md").read_text().split("```bash\n", 1)[1].split("```", 1)[0]
    joined = block.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def _stub(folder: Path, name: str, log: Path, body: str = "") -> None:
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n{body}\n')
    script.chmod(0o755)


@pytest.mark.parametrize("shell", ["bash", "sh"])
@pytest.mark.parametrize("uid", [0, 1000])
def test_readme_install_command_works_as_root_and_as_a_user(tmp_path, shell, uid):
    """Command 1 on a fresh Debian/Ubuntu: sudo only when not root (a root shell in a fresh
    image has no sudo), package lists updated before installing, then a venv (Debian 12 and
    Ubuntu 23.04+ refuse pip installs into the system Python)."""
    stubs, log = tmp_path / "bin", tmp_path / "calls.log"
    stubs.mkdir()
    _stub(stubs, "id", log, f"echo {uid}")
    _stub(stubs, "sudo", log, '"$@"')
    for name in ("apt-get", "pip", "zerodce-app"):
        _stub(stubs, name, log)
    _stub(stubs, "python3", log, f'[ "$1 $2" = "-m venv" ] && mkdir -p "$3/bin" && '
                                 f'echo \'echo "activate" >> "{log}"\' > "$3/bin/activate"')
    install = readme_commands()[0]
    done = subprocess.run([shell, "-c", install], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": f"{stubs}:/usr/bin:/bin"}, timeout=30)
    assert done.returncode == 0, done.stderr
    calls = [c for c in log.read_text().splitlines() if c != "id -u"]
    apt = [c for c in calls if "apt-get" in c]
    sudo = "sudo " if uid else ""
    assert apt[0] == f"{sudo}apt-get update"
    assert any(c.startswith(f"{sudo}apt-get install -y python3-venv libegl1 ") for c in apt)
    assert ("sudo" in log.read_text()) == bool(uid)
    assert calls[-4:] == ["python3 -m venv .venv", "activate", 'pip install torch==2.13.0 .',
                          "zerodce-app "]


def test_readme_install_command_stops_when_apt_fails(tmp_path):
    stubs, log = tmp_path / "bin", tmp_path / "calls.log"
    stubs.mkdir()
    _stub(stubs, "id", log, "echo 0")
    _stub(stubs, "apt-get", log, "exit 100")
    for name in ("python3", "pip", "zerodce-app"):
        _stub(stubs, name, log)
    done = subprocess.run(["sh", "-c", readme_commands()[0]], cwd=tmp_path, text=True,
                          capture_output=True, env={"PATH": f"{stubs}:/usr/bin:/bin"}, timeout=30)
    assert done.returncode == 100 and log.read_text().splitlines() == ["id -u", "apt-get update"]


def test_ci_runs_the_readme_test_command():
    test_command = readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text()
    for step in ('python3 -m venv .venv', '. .venv/bin/activate',
                 'pip install "torch==2.13.0" -e ".[test,ray]"', "python -m pytest -q"):
        assert step in test_command and step in ci, step
