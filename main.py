"""Start GAN Studio: `python main.py` (or `make run`).

Until the studio window lands, this runs a short headless demo: a vanilla GAN learning the
eight-Gaussian ring, written to a run folder in the workspace.
"""

import sys

from studio.cli import main

DEMO = ["train", "--variant", "gan", "--dataset", "ring8", "--steps", "1500",
        "--batch-size", "256", "--set", "train.lr_g=0.001", "--set", "train.lr_d=0.001",
        "--set", "train.r1_gamma=0.1", "--set", "train.snapshot_every=250"]

if __name__ == "__main__":
    sys.exit(main(DEMO))
