"""The `zerodce` command itself: quick answers without torch, global options anywhere, pipes."""

import subprocess
import sys
from pathlib import Path

import pytest

from zerodce_core.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "numba", "numpy", "cv2", "av", "PIL", "zerodce_core.engine")
# Runs `main` the way the console script does, then lists the heavy modules it loaded.
PROBE = f"""
import sys
from zerodce_core.cli import main
code = main(sys.argv[1:])
print("LOADED", *[m for m in {HEAVY!r} if m in sys.modules], "EXIT", code, file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [
    ["--help"], ["--version"], ["enhance", "--help"], ["train", "--help"], ["info", "--help"],
    ["export", "--help"], ["enhance"], ["enhance", "x.jpg", "--bogus"],
    ["enhance", "x.jpg", "--strength", "-1"], ["enhance", "x.jpg", "--format", "gif"],
    ["enhance", "x.jpg", "--colour", "vivid"], ["export", "--onnx", "x", "--colour", "vivid"],
    ["train", "--data", "d"], ["train", "--epochs", "0"],
])
def test_help_version_and_usage_errors_load_nothing_heavy(argv):
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED") and last.split()[1] == "EXIT", done.stderr
    assert last.split()[2] == ("0" if any(a in argv for a in ("--help", "--version")) else "2")


@pytest.mark.parametrize("argv", [
    ["-v", "enhance", "x.jpg"], ["enhance", "-v", "x.jpg"], ["enhance", "x.jpg", "-v"],
    ["enhance", "x.jpg", "--verbose"],
])
def test_global_options_before_or_after_the_command(argv):
    assert build_parser().parse_args(argv).verbose is True


def test_without_v_logging_stays_quiet():
    assert build_parser().parse_args(["enhance", "x.jpg"]).verbose is False


def test_version_after_the_command(capsys):
    assert main(["info", "--version"]) == 0
    assert capsys.readouterr().out.startswith("zerodce ")


def test_a_closed_pipe_is_not_a_traceback(model_file):
    command = f"{sys.executable} -m zerodce_core info --card {model_file} | head -c 10"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout == "file:     " and "Traceback" not in done.stderr, done.stderr
