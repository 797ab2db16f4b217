"""Videos of a generator: MP4 (H.264, yuv420p, through PyAV/FFmpeg) or GIF (Pillow).

Frames come from studio.export.frames (a walk, a ψ sweep or a direction sweep, each frame drawn
by the studio's renderer). Generators make small images, so each pixel is enlarged `scale`×
`scale` (nearest neighbour; by default the smallest scale giving a short side of 256 px); an
odd size is padded by one edge row/column, as yuv420p needs even sizes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from studio.errors import StudioError
from studio.explore.recipe import Recipe, render_picture
from studio.export.files import ExportResult, Progress, staged
from studio.export.frames import VIDEO_KINDS, frame_recipes, video_frames

__all__ = ["VIDEO_KINDS", "default_scale", "export_video", "gif_durations", "video_frames"]

MIN_SHORT_SIDE = 256  # the default scale enlarges the short side to at least this
MAX_SCALE = 64
MAX_FPS, MAX_GIF_FPS = 120, 50  # GIF delays are in 1/100 s; players slow shorter ones down
MP4_CRF = "18"  # x264 quality: 18 is visually near lossless


def default_scale(height: int, width: int) -> int:
    """The smallest whole enlargement that makes the short side at least MIN_SHORT_SIDE."""
    return min(MAX_SCALE, max(1, math.ceil(MIN_SHORT_SIDE / max(1, min(height, width)))))


def enlarge(frame: np.ndarray, scale: int, even: bool) -> np.ndarray:
    """uint8 [H, W, 3] → [H·s, W·s, 3] (nearest neighbour), then with `even` one repeated edge
    row/column where a side is odd."""
    if scale > 1:
        frame = np.repeat(np.repeat(frame, scale, axis=0), scale, axis=1)
    if even and (frame.shape[0] % 2 or frame.shape[1] % 2):
        frame = np.pad(frame, ((0, frame.shape[0] % 2), (0, frame.shape[1] % 2), (0, 0)),
                       mode="edge")
    return np.ascontiguousarray(frame)


def gif_durations(frames: int, fps: int) -> list[int]:
    """Per-frame delays in ms, whole hundredths of a second (all GIF stores) that add up to
    the right running time: 24 fps gives 40, 40, 50, 40, 40, 50, … ms."""
    ticks = [round((i + 1) * 100 / fps) - round(i * 100 / fps) for i in range(frames)]
    return [10 * max(1, t) for t in ticks]


def _write_mp4(path: Path, frames: Iterable[np.ndarray], fps: int, size: tuple[int, int]) -> None:
    """Encode uint8 RGB frames [H, W, 3] as H.264 yuv420p in an MP4 container."""
    import av

    container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
    try:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": MP4_CRF, "preset": "medium"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():  # flush the encoder's delayed frames
            container.mux(packet)
    finally:
        container.close()


def _write_gif(path: Path, frames: Iterable[np.ndarray], fps: int, loop: bool, count: int) -> None:
    """Pillow GIF: a palette per frame, delays from fps; loop=0 (forever) when `loop`."""
    from PIL import Image

    images = [Image.fromarray(frame) for frame in frames]
    extra = {"loop": 0} if loop else {}  # without a loop block a GIF plays once
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=gif_durations(count, fps), disposal=1, optimize=False, **extra)


def _check(out: Path, fps: int, seconds: float) -> tuple[str, int]:
    """The container ("mp4"/"gif") and the frame count, or a clear error."""
    suffix = out.suffix.lower()
    if suffix not in (".mp4", ".gif"):
        raise StudioError(f"{out}: a video file must end in .mp4 (H.264) or .gif")
    top = MAX_GIF_FPS if suffix == ".gif" else MAX_FPS
    if not 1 <= fps <= top:
        raise StudioError(f"{fps} frames per second is not possible for {suffix}; give 1 to "
                          f"{top}")
    if not (math.isfinite(seconds) and seconds > 0):
        raise StudioError(f"a video of {seconds} seconds cannot be made; give a length above 0")
    return suffix[1:], max(2, round(seconds * fps))


def _rendered(G: Any, plan: list[Recipe], scale: int, even: bool,
              progress: Progress) -> Iterator[np.ndarray]:
    for i, single in enumerate(plan):
        picture = render_picture(G, single)  # uint8 [H, W, C]
        if picture.shape[-1] == 1:
            picture = np.repeat(picture, 3, axis=-1)
        yield enlarge(picture, scale, even)
        progress(i + 1, len(plan) + 1, "frames")


def export_video(source: Any, recipe: Recipe, out: Path, *, kind: str = "walk", fps: int = 24,
                 seconds: float = 4.0, loop: bool = True,
                 psi_range: tuple[float, float] = (0.0, 1.0), direction: int = 0,
                 direction_range: tuple[float, float] = (-3.0, 3.0), scale: int | None = None,
                 force: bool = False, progress: Progress | None = None) -> ExportResult:
    """Write `out` (.mp4 or .gif): round(seconds·fps) frames of a `kind` video (VIDEO_KINDS).
    `scale` enlarges each pixel (None: default_scale). details: frames, fps, width, height."""
    out = Path(out)
    container, count = _check(out, fps, seconds)
    plan = frame_recipes(source.G, recipe, kind=kind, frames=count, loop=loop,
                         psi_range=psi_range, direction=direction,
                         direction_range=direction_range)
    progress = progress or Progress()
    progress(0, count + 1, "frames")
    first = render_picture(source.G, plan[0])  # [H, W, C]: sets the size
    h, w = first.shape[:2]
    scale = default_scale(h, w) if scale is None else scale
    if not 1 <= scale <= MAX_SCALE:
        raise StudioError(f"scale {scale} is not possible; give 1 to {MAX_SCALE}")
    even = container == "mp4"
    size = enlarge(np.zeros((h, w, 3), np.uint8), scale, even).shape[:2]
    frames = _rendered(source.G, plan, scale, even, progress)
    with staged(out, force) as part:
        if container == "mp4":
            _write_mp4(part, frames, fps, size)
        else:
            _write_gif(part, frames, fps, loop, count)
        progress(count + 1, count + 1, "written")
    return ExportResult([out], {"frames": count, "fps": fps, "width": size[1],
                                "height": size[0], "scale": scale, "kind": kind,
                                "bytes": out.stat().st_size})
