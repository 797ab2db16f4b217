"""Progressive growing (Karras et al. 2018) as a pure function of the training step.

    steps [0, stable)                 start resolution, α = 1
    then for each doubling r:         fade_steps with α rising 0 → 1, then stable_steps at α = 1
    after the final resolution's fade: the final resolution, α = 1 for ever

Because the schedule depends on nothing but the step, a run resumed in the middle of a fade
continues that fade exactly.
"""

from __future__ import annotations


def growth_at(step: int, start_resolution: int, final_resolution: int, fade_steps: int,
              stable_steps: int) -> tuple[int, float]:
    """(resolution, alpha) to train step `step` (0-based) at."""
    start = min(start_resolution, final_resolution)
    if step < stable_steps or start == final_resolution:
        return start, 1.0
    phase_len = fade_steps + stable_steps
    if phase_len == 0:
        return final_resolution, 1.0
    phase, within = divmod(step - stable_steps, phase_len)
    resolution = start * 2 ** (phase + 1)
    if resolution > final_resolution:
        return final_resolution, 1.0
    alpha = within / fade_steps if within < fade_steps else 1.0
    return resolution, alpha


def growth_end_step(start_resolution: int, final_resolution: int, fade_steps: int,
                    stable_steps: int) -> int:
    """The first step at which the final resolution is fully faded in."""
    doublings = 0
    r = min(start_resolution, final_resolution)
    while r < final_resolution:
        r, doublings = 2 * r, doublings + 1
    if doublings == 0:
        return 0
    return stable_steps + (doublings - 1) * (fade_steps + stable_steps) + fade_steps
