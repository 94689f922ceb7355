"""Zero-DCE low-light enhancement: model, curves, engine, image I/O, batch and training.

This package never imports Qt, so scripts and servers can use it on their own, and
importing it changes nothing process-wide: programs call `runtime.configure_runtime()`
first thing (the CLI and the app do) for the thread and OpenMP settings it runs best with.

How it is put together:
- networks and training: `model`, `curves`, `losses`, `exposure`, `noise`, `data`, the
  training tasks and `trainer`; `checkpoint` reads and writes model files;
- inference: `engine` runs the network once (`estimate`; int8 on CPUs with VNNI via
  `quantized`, full mode tile by tile via `tiles`) and re-renders its curve maps at any
  strength (`render`, the fused kernel in `kernels`); `denoiser` is the learned stage
  (int8 on VNNI CPUs without bf16 via `quantized_noise`);
- the one photo path every front end uses: `pipeline` (decoded photo -> curves -> post
  stages -> encoded file), over `pixels` (channel layout, bit depth), `gamma`; video's
  noise reduction over time: `temporal`;
- files: `formats` (the format registry), `imageio` (photos), `video`, `batch` (many files,
  frozen events; decode and encode overlap the compute, as in `video`, through `stages`)
  and `output`, the one guarded writer every file goes through;
- process: `runtime` (entry-point settings), `progress` (progress and cancel), `validate`
  (option checks), `errors` (messages for people); `cli` is the `zerodce` command.
"""

__all__ = ["CurveMaps", "Engine", "__version__"]


def __getattr__(name: str) -> object:
    """Import the engine (and torch, ~1.5 s) only when it is asked for, and look the version
    up only when asked (~50 ms: it scans the installed packages), so `zerodce --help` is quick."""
    if name in ("CurveMaps", "Engine"):
        from . import engine

        return getattr(engine, name)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("zerodce")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0.0.0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
