"""Load a local folder of images (optionally one subfolder per class) into a `Dataset`.

Every file is looked at; anything that cannot be used is skipped with a reason a person can act
on, so one bad file never stops a load. Images are decoded, made 8-bit, centre-cropped and
resized one at a time (in a few threads: Pillow releases the GIL while decoding), so memory holds
only the small, fitted copies.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.data.base import IMAGES, Dataset, SkippedFile
from studio.errors import ConfigError, DatasetError

IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".jfif", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
CHANNELS = ("auto", "rgb", "gray")
MIN_SIDE = 8  # px on the shorter side
MAX_ASPECT = 8  # longer side / shorter side

_EXAMPLES = ".png/.jpg/.webp/.bmp/.gif/.tif"
_HOWTO = f"Put {_EXAMPLES} files in the folder, or one subfolder per class."
_ROOT_REASON = "not inside a class folder; move it into one of the class subfolders"
_DEEP_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
# What Pillow raises for damaged files: truncated data, bad chunks, broken headers, bad EXIF.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error,
                  IndexError, KeyError, TypeError)
# Files that are not regular files: opening a FIFO blocks until a writer comes, a device may
# stream forever or act on being opened. They are named in the skip reason, never opened.
_SPECIAL_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                  (stat.S_ISDIR, "a folder"))
_LINKED_FOLDER = ("a link to a folder; links inside a class folder are not followed. Move or "
                  "copy that folder in instead")


def looks_like_image_folder(path: str | Path) -> bool:
    """True when the folder, searched recursively, holds at least one file named like an image."""
    root = Path(path).expanduser()
    return root.is_dir() and any(f.suffix.lower() in IMAGE_EXTENSIONS for f in _walk(root, []))


def load_folder(path: str | Path, resolution: int, channels: str = "auto") -> Dataset:
    """Load every usable image under `path` as uint8 [N, C, resolution, resolution].

    First-level subfolders that hold a usable image are classes (labels follow their sorted
    names); without any, the set is unlabelled. `channels` is "auto" (RGB if any image has
    colour, else gray), "rgb" or "gray". Unusable files are listed in `Dataset.skipped`.
    """
    root = _check_arguments(path, resolution, channels)
    skipped: list[SkippedFile] = []
    groups = _group_files(root, skipped)  # (class folder name or None for the root, files)
    files = [f for _, group in groups for f in group]
    if not files and not skipped:
        raise DatasetError(f"The folder {root} is empty. {_HOWTO}")
    load = partial(_load_image, resolution=resolution, gray=channels == "gray")
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = iter(list(pool.map(load, files)))
    decoded = [(name, group, [next(results) for _ in group]) for name, group in groups]
    classes = [name for name, _, found in decoded
               if name is not None and any(isinstance(r, np.ndarray) for r in found)]
    images: list[np.ndarray] = []
    labels: list[int] = []
    for name, group, found in decoded:
        for file, result in zip(group, found, strict=True):
            if isinstance(result, str):
                skipped.append(SkippedFile(str(file), result))
            elif classes and name is None:
                skipped.append(SkippedFile(str(file), _ROOT_REASON))
            else:
                images.append(result)
                labels.append(classes.index(name) if classes else 0)
    skipped.sort(key=lambda s: s.path)
    if not images:
        raise DatasetError(_nothing_usable(root, skipped))
    return Dataset(name=root.resolve().name, kind=IMAGES, samples=_stack(images, channels),
                   labels=torch.tensor(labels, dtype=torch.int64) if classes else None,
                   classes=tuple(classes), skipped=tuple(skipped), source=str(root))


def _check_arguments(path: str | Path, resolution: int, channels: str) -> Path:
    """The folder as a Path, after checking that it exists and the settings make sense."""
    if channels not in CHANNELS:
        raise ConfigError(f"channels must be one of {', '.join(CHANNELS)}, not {channels!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise ConfigError(f"resolution must be a whole number of pixels ≥ 1, not {resolution!r}")
    root = Path(path).expanduser()
    if not root.exists():
        raise DatasetError(f"The dataset folder {root} does not exist. Choose a folder that "
                           f"holds images ({_EXAMPLES}), or one subfolder per class.")
    if not root.is_dir():
        raise DatasetError(f"{root} is a file, not a folder. Choose the folder that holds the "
                           f"images ({_EXAMPLES}), or one subfolder per class.")
    try:
        next(os.scandir(root), None)
    except OSError as err:
        raise DatasetError(f"The folder {root} cannot be read ({err.strerror}). Check that you "
                           "have permission to open it.") from err
    return root


def _group_files(root: Path, skipped: list[SkippedFile]) -> list[tuple[str | None, list[Path]]]:
    """Files lying directly in `root`, then the files beneath each first-level subfolder."""
    entries = sorted(e for e in root.iterdir() if not e.name.startswith("."))
    groups: list[tuple[str | None, list[Path]]] = [(None, [])]
    for entry in entries:
        if entry.is_dir():
            groups.append((entry.name, list(_walk(entry, skipped))))
        else:  # special files too: loading names why they are skipped
            groups[0][1].append(entry)
    return groups


def _walk(folder: Path, skipped: list[SkippedFile]) -> Iterator[Path]:
    """Every non-hidden file beneath `folder` in sorted order; folders that can't be read are
    noted in `skipped`."""

    def note(err: OSError) -> None:
        skipped.append(SkippedFile(str(err.filename), f"folder cannot be read: {err.strerror}"))

    for here, dirs, names in os.walk(folder, onerror=note):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            dirs.remove(name)  # os.walk would pass over it in silence
            skipped.append(SkippedFile(os.path.join(here, name), _LINKED_FOLDER))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(here, name)


def _load_image(path: Path, resolution: int, gray: bool) -> np.ndarray | str:
    """The image as fitted uint8 pixels ([R, R] gray or [R, R, 3] colour), or why it can't be
    used."""
    handle = _open_regular(path)
    if isinstance(handle, str):
        return handle
    with handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return "empty file (0 bytes)"
        try:
            with Image.open(handle) as img:
                problem = _shape_problem(*img.size)
                if problem:
                    return problem
                img.draft(None, (resolution, resolution))  # JPEG: decode at a reduced scale
                img.load()  # a full decode, so truncated or damaged data shows up here
                img = _to_8bit(ImageOps.exif_transpose(img))
        except UnidentifiedImageError:
            return _not_an_image(path)
        except Image.DecompressionBombError as err:
            return f"too large to open safely: {err}"
        except _DECODE_ERRORS as err:
            return f"damaged or incomplete image ({err or type(err).__name__})"
    if gray:
        img = img.convert("L")
    pixels = np.asarray(ImageOps.fit(img, (resolution, resolution), Image.Resampling.LANCZOS))
    if pixels.ndim == 3 and _is_gray(pixels):
        pixels = pixels[:, :, 0]  # an RGB file with no colour in it counts as gray
    return pixels


def _open_regular(path: Path) -> BinaryIO | str:
    """`path` opened for reading if it is a regular file (or a link to one), else why not.

    Never blocks: the type is checked before opening (open() of a FIFO waits for a writer), and
    again on the open file, in case it was swapped for a device in between.
    """
    try:
        problem = _not_regular(path, path.stat().st_mode)  # stat follows links, never blocks
        if problem:
            return problem
        handle = path.open("rb")
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    problem = _not_regular(path, os.fstat(handle.fileno()).st_mode)
    if problem:
        handle.close()
        return problem
    return handle


def _not_regular(path: Path, mode: int) -> str:
    """Why a file of this `mode` is skipped, or "" for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    what = next((name for test, name in _SPECIAL_KINDS if test(mode)), "a special file")
    link = "a link to " if path.is_symlink() else ""
    return (f"not a regular file: {link}{what}; only image files are read. Remove it or move "
            "it out of the dataset folder")


def _shape_problem(width: int, height: int) -> str:
    """Why an image of this size can't be used, or "" when it can."""
    if min(width, height) < MIN_SIDE:
        return (f"too small: {width}×{height} px; images need at least {MIN_SIDE} px on "
                "each side")
    if max(width, height) > MAX_ASPECT * min(width, height):
        return (f"too elongated: {width}×{height} px; a centre crop would keep under "
                f"1/{MAX_ASPECT} of it")
    return ""


def _not_an_image(path: Path) -> str:
    """The reason for a file Pillow does not recognise, naming what its extension suggests."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return f"not an image: the name ends in {suffix} but the contents are not a readable image"
    kind = f"{suffix} files" if suffix else "files without an extension"
    return f"not an image: {kind} are not a picture format this loader reads ({_EXAMPLES})"


def _to_8bit(img: Image.Image) -> Image.Image:
    """Any Pillow image as 8-bit "L" or "RGB"; transparency is composited over white."""
    if img.mode in _DEEP_MODES:
        return Image.fromarray(_deep_to_uint8(np.asarray(img), img.mode))
    if img.mode == "1":
        return img.convert("L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode in ("L", "RGB") and "transparency" in img.info:
        img = img.convert("LA" if img.mode == "L" else "RGBA")  # one colour marked see-through
    elif img.mode in ("La", "RGBa", "PA"):
        img = img.convert("LA" if img.mode == "La" else "RGBA")
    if img.mode in ("LA", "RGBA"):
        base = img.mode[:-1]
        canvas = Image.new(base, img.size, "white")
        canvas.paste(img.convert(base), mask=img.getchannel("A"))
        return canvas
    return img if img.mode in ("L", "RGB") else img.convert("RGB")  # CMYK, YCbCr, LAB, ...


def _deep_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """16-bit, 32-bit or float gray pixels as uint8 with brightness kept (not clipped at 255).

    16-bit modes scale by 255/65535; "I" and "F" go by their actual range, since they hold
    8-bit, 16-bit or [0, 1] data depending on the file.
    """
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(values.max()) if values.size else 0.0
    if mode.startswith("I;16"):
        scale = 255 / 65535
    elif mode == "F" and peak <= 1.0:
        scale = 255.0
    elif peak <= 255:
        scale = 1.0
    elif peak <= 65535:
        scale = 255 / 65535
    else:
        scale = 255 / peak
    return np.clip(np.rint(values * scale), 0, 255).astype(np.uint8)


def _is_gray(pixels: np.ndarray) -> bool:
    """True when every pixel of an [H, W, 3] array has equal red, green and blue."""
    red = pixels[:, :, 0]
    return bool((pixels[:, :, 1] == red).all() and (pixels[:, :, 2] == red).all())


def _stack(images: list[np.ndarray], channels: str) -> torch.Tensor:
    """Fitted images as one uint8 [N, C, R, R] tensor; gray ones are repeated when RGB is due."""
    rgb = channels == "rgb" or (channels == "auto" and any(i.ndim == 3 for i in images))
    side = images[0].shape[0]
    out = np.empty((len(images), 3 if rgb else 1, side, side), dtype=np.uint8)
    for n, image in enumerate(images):
        out[n] = image.transpose(2, 0, 1) if image.ndim == 3 else image[None]
    return torch.from_numpy(out)


def _nothing_usable(root: Path, skipped: list[SkippedFile]) -> str:
    """The message for a folder where every file was skipped: how many, and the first reasons."""
    count = f"{len(skipped)} file{'s were' if len(skipped) != 1 else ' was'} skipped"
    shown = "; ".join(f"{_relative(s.path, root)}: {s.reason}" for s in skipped[:2])
    more = "; ..." if len(skipped) > 2 else ""
    return f"No images found in {root}: {count} ({shown}{more}). {_HOWTO}"


def _relative(path: str, root: Path) -> str:
    """`path` relative to the dataset folder, for shorter messages."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path
