"""Process-wide settings change only when an entry point asks (`configure_runtime`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import brightening_model
from zerodce_core.engine import Engine
from zerodce_core.runtime import configure_runtime
from zerodce_core.validate import OptionError

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_WAIT_POLICY", "NUMBA_CACHE_DIR")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_library_changes_nothing_process_wide():
    out = _python("import os, zerodce_core, zerodce_core.engine, zerodce_core.kernels\n"
                  "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('NUMBA_CACHE_DIR'))")
    assert out.split() == ["None", "None"]


def test_configure_runtime_sets_the_environment_before_torch_and_keeps_the_kernel_cached(
        tmp_path):
    code = ("import os, sys\n"
            "from zerodce_core.runtime import configure_runtime\n"
            "assert 'torch' not in sys.modules\n"
            "configure_runtime(1)\n"
            "import numpy as np, torch\n"
            "from zerodce_core import kernels\n"
            "kernels.render_curves(np.zeros((4, 4, 3), np.uint8),\n"
            "                      np.zeros((3, 2, 2), np.float32), 1.0, True, 1.0, 1)\n"
            "print(os.environ['OMP_WAIT_POLICY'], torch.get_num_threads())")
    assert _python(code, XDG_CACHE_HOME=str(tmp_path)).split() == ["PASSIVE", "1"]
    cached = list((tmp_path / "zerodce" / "numba").rglob("*.nbi"))
    assert cached, "the compiled render kernel was not cached"


def test_making_an_engine_keeps_the_host_programs_settings():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        Engine(brightening_model(), device="cpu")
        assert torch.get_num_threads() == 1
    finally:
        configure_runtime(threads)


@pytest.mark.parametrize("threads", [0, -2, 1.5, float("nan")])
def test_thread_counts_are_checked(threads):
    with pytest.raises(OptionError, match="threads must be a whole number of at least 1"):
        configure_runtime(threads)
