"""Videos: the walk / ψ / direction frame paths, MP4 (H.264 via PyAV) and GIF (Pillow) files
checked by decoding them, odd sizes, looping, errors, and nothing left after a Cancel.
About 4 s on one core (the bundled 64 px StyleGAN, a handful of frames per video)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from studio.errors import StudioError
from studio.explore.recipe import Recipe, render_picture
from studio.explore.source import LatentGenerator, load_source
from studio.export.files import ExportCancelled, Progress
from studio.export.frames import frame_recipes, sweep
from studio.export.video import default_scale, enlarge, export_video, gif_durations, video_frames

REPO = Path(__file__).resolve().parents[2]
BUNDLED = Recipe(source="bundled:landscapes-64", seed=3)


@pytest.fixture(scope="module")
def landscapes():
    torch.set_num_threads(1)
    return load_source(REPO / "models" / "landscapes-64")


@pytest.fixture(scope="module")
def odd():
    """A z-only generator of 5×7 images (like a GAN/DCGAN as Explore sees it)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3 * 5 * 7), nn.Tanh(), nn.Unflatten(1, (3, 5, 7)))
    return SimpleNamespace(G=LatentGenerator(net.eval(), 4, (3, 5, 7)))


def _decode(path: Path) -> tuple[list[np.ndarray], object]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        return frames, SimpleNamespace(codec=stream.codec_context.name, fps=stream.average_rate,
                                       pix_fmt=stream.codec_context.pix_fmt)


def test_walk_paths_close_on_themselves_only_when_looping(landscapes):
    G = landscapes.G
    looped = frame_recipes(G, BUNDLED, kind="walk", frames=6, loop=True)
    spec = looped[0].interpolation
    assert spec.keyframes == (3, 4, 5, 6, 3) and spec.space == "w" and spec.steps == 6
    assert [r.interpolation.frame for r in looped] == [0, 4, 8, 12, 16, 20]  # < 4 legs · 6
    once = frame_recipes(G, BUNDLED, kind="walk", frames=4, loop=False)
    assert once[-1].interpolation.frame == 3 * once[-1].interpolation.steps  # the last key
    z_path = BUNDLED.replace(view="interpolation",
                             interpolation={"keyframes": [1, 9], "steps": 5, "space": "z"})
    frames = list(video_frames(landscapes, z_path, kind="walk", frames=4, loop=False))
    assert [f.shape for f in frames] == [(64, 64, 3)] * 4
    # the walk's ends are the keyframe images; in between it moves
    for frame, seed in ((frames[0], 1), (frames[-1], 9)):
        still = render_picture(G, BUNDLED.replace(seed=seed)).astype(float)
        assert np.abs(frame - still).mean() < 1.0
    assert np.abs(frames[1].astype(float) - frames[0]).mean() > 2.0
    assert sweep(4, loop=True) == [0.0, 0.5, 1.0, 0.5]
    assert sweep(4, loop=False) == [0.0, 1 / 3, 2 / 3, 1.0]


def test_psi_and_direction_sweeps(landscapes):
    psi0 = [next(video_frames(landscapes, BUNDLED.replace(seed=s), kind="psi", frames=3,
                              psi_range=(0.0, 1.0))) for s in (0, 5)]
    assert np.array_equal(*psi0)  # ψ = 0 is the average w for every seed
    with pytest.raises(StudioError, match="needs directions"):
        frame_recipes(landscapes.G, BUNDLED, kind="direction", frames=3)
    edits = BUNDLED.replace(directions={"method": "sefa", "count": 3}, offsets=[0.5])
    with pytest.raises(StudioError, match="direction 3 does not exist"):
        frame_recipes(landscapes.G, edits, kind="direction", frames=3, direction=3)
    plan = frame_recipes(landscapes.G, edits, kind="direction", frames=3, loop=False,
                         direction=1, direction_range=(-2.0, 2.0))
    assert [r.offsets for r in plan] == [(0.5, -2.0, 0.0), (0.5, 0.0, 0.0), (0.5, 2.0, 0.0)]
    frames = list(video_frames(landscapes, edits, kind="direction", frames=2, loop=False,
                               direction=1, direction_range=(-4.0, 4.0)))
    assert np.abs(frames[0].astype(float) - frames[1]).mean() > 2.0


def test_mp4_decodes_to_the_rendered_frames(landscapes, tmp_path):
    out = tmp_path / "walk.mp4"
    result = export_video(landscapes, BUNDLED, out, fps=8, seconds=1.0)
    assert result.paths == [out]
    assert (result.details["frames"], result.details["width"], result.details["scale"]) == (
        8, 256, 4)
    decoded, info = _decode(out)
    assert (info.codec, info.pix_fmt, info.fps) == ("h264", "yuv420p", 8)
    assert len(decoded) == 8 and decoded[0].shape == (256, 256, 3)
    rendered = list(video_frames(landscapes, BUNDLED, kind="walk", frames=8))
    for i in (0, 5):  # H.264 is lossy: close, not equal; and frame 5 is not frame 0
        big = enlarge(rendered[i], 4, even=True).astype(float)
        assert np.abs(decoded[i] - big).mean() < 4.0
    assert np.abs(decoded[5].astype(float) - enlarge(rendered[0], 4, True)).mean() > 6.0


def test_odd_sizes_are_padded_even_for_mp4_and_a_z_generator_refuses_style_sweeps(odd, tmp_path):
    assert default_scale(5, 7) == 52 and enlarge(np.zeros((5, 7, 3), np.uint8), 1, True).shape \
        == (6, 8, 3)
    result = export_video(odd, Recipe(source="x"), tmp_path / "odd.mp4", fps=4, seconds=1.0,
                          scale=3)
    decoded, info = _decode(tmp_path / "odd.mp4")
    assert (len(decoded), decoded[0].shape, info.codec) == (4, (16, 22, 3), "h264")
    assert (result.details["width"], result.details["height"]) == (22, 16)
    for kind, message in (("psi", "ψ sweep needs a StyleGAN"),
                          ("direction", "direction sweep needs a StyleGAN")):
        with pytest.raises(StudioError, match=message):
            export_video(odd, Recipe(source="x"), tmp_path / f"{kind}.gif", kind=kind)
    w_path = Recipe(source="x", view="interpolation",
                    interpolation={"keyframes": [0, 1], "steps": 2, "space": "w"})
    with pytest.raises(StudioError, match="walk in W needs a StyleGAN"):
        export_video(odd, w_path, tmp_path / "w.mp4")
    assert sorted(tmp_path.iterdir()) == [tmp_path / "odd.mp4"]


def test_gif_frames_delays_and_loop_flag(landscapes, odd, tmp_path):
    assert gif_durations(6, 24) == [40, 40, 40, 50, 40, 40]  # whole 1/100 s, 250 ms in all
    looped = export_video(landscapes, BUNDLED, tmp_path / "loop.gif", fps=10, seconds=0.6,
                          scale=1)
    with Image.open(looped.paths[0]) as gif:
        assert (gif.n_frames, gif.size, gif.info.get("loop")) == (6, (64, 64), 0)
        delays = []
        for i in range(gif.n_frames):
            gif.seek(i)
            delays.append(gif.info["duration"])
        assert delays == [100] * 6
    export_video(odd, Recipe(source="x"), tmp_path / "once.gif", fps=20, seconds=0.2,
                 loop=False)
    with Image.open(tmp_path / "once.gif") as gif:
        assert gif.n_frames == 4 and "loop" not in gif.info  # no loop block: plays once
        assert gif.size == (52 * 7, 52 * 5)
    with pytest.raises(StudioError, match="1 to 50"):
        export_video(odd, Recipe(source="x"), tmp_path / "fast.gif", fps=60)


def test_never_overwrites_and_a_cancel_mid_way_leaves_no_file(landscapes, tmp_path):
    out = tmp_path / "v.mp4"
    out.write_bytes(b"keep")
    with pytest.raises(StudioError, match="already exists"):
        export_video(landscapes, BUNDLED, out, fps=2, seconds=1.0)
    assert out.read_bytes() == b"keep"
    for name in ("c.mp4", "c.gif"):
        seen: list[int] = []
        stop = Progress(report=lambda done, total, what, seen=seen: seen.append(done),
                        cancelled=lambda seen=seen: len(seen) >= 4)
        with pytest.raises(ExportCancelled):
            export_video(landscapes, BUNDLED, tmp_path / name, fps=8, seconds=1.0,
                         progress=stop)
        assert seen[-1] == 3 and seen[-1] < 9  # stopped after frame 3 of 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]  # no .part files either
    with pytest.raises(StudioError, match=r"\.mp4 \(H\.264\) or \.gif"):
        export_video(landscapes, BUNDLED, tmp_path / "v.avi")
