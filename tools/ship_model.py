"""Copy a trained checkpoint into resources/models/ the way we ship models.

- the model card (a Markdown file) is embedded, so `zerodce info --card` and the app show it
  from the wheel alone;
- the training configuration keeps what reproduces the run but no machine details: folders
  are reduced to their names (no absolute paths, no user names), resume state and optimizer
  tensors are dropped;
- the weights are re-saved through `save_checkpoint` (subnormals flushed, fp32).

    python tools/ship_model.py runs/curve/best.safetensors resources/models/default.safetensors \\
        --card resources/models/MODEL_CARD.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zerodce_core.checkpoint import load_checkpoint, save_checkpoint
from zerodce_core.output import OutputGuard
from zerodce_core.run_record import shareable_config

#: Metadata that only matters for resuming a run.
RESUME_FIELDS = ("resume",)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="checkpoint written by zerodce train")
    parser.add_argument("target", type=Path, help="where the shipped file goes")
    parser.add_argument("--card", type=Path, required=True, help="model card (Markdown)")
    args = parser.parse_args()
    loaded = load_checkpoint(args.source)
    metadata = {k: v for k, v in loaded.info.metadata.items()
                if k not in RESUME_FIELDS and k != "parameters"}
    save_checkpoint(args.target, loaded.model,
                    model_card=args.card.read_text(encoding="utf-8"),
                    training_config=shareable_config(loaded.info.training_config),
                    metadata=metadata, guard=OutputGuard([args.source]))
    print(f"{args.target}: {loaded.model.arch}, step {metadata.get('step')}, card embedded")


if __name__ == "__main__":
    main()
