"""The names inside a run folder, in one place (no torch, so the studio can read folders early)."""

CONFIG = "config.toml"
METRICS = "metrics.jsonl"
EVENTS = "events.jsonl"
SNAPSHOTS = "snapshots"
CHECKPOINTS = "checkpoints"
FAILURE = "failure.txt"
EVAL_KIND = "eval"  # metrics.jsonl rows with "kind": "eval" hold quality evaluations


def snapshot_name(step: int) -> str:
    return f"step_{step:07d}.png"


def game_state_name(step: int) -> str:
    """The file beside a 2-D run's snapshot picture that keeps its game state (points, D(x) on
    a grid, mode coverage) so the game view can replay the timelapse."""
    return f"step_{step:07d}.game.npz"


def checkpoint_name(step: int) -> str:
    return f"step_{step:07d}"
