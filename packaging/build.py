"""Build GAN Studio's one-folder app and its Linux installers.

    python packaging/build.py --flavour cpu|cuda [--skip-venv] [--no-installer]

Makes (or reuses) the venv `.venv-bundle-<flavour>/`, runs PyInstaller on packaging/gan-studio.spec,
prunes what the app never loads, and writes dist/gan-studio-<version>-linux-x86_64-<flavour>.tar.gz
(the folder with its `gan-studio` launcher) and a makeself installer `….run`. Prints the build
time, the folder size and the compressed sizes. Standard library only (runs on any python3).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
BUILD = ROOT / "build" / "bundle"

TORCH = {"cpu": ["torch==2.13.0"], "cuda": ["torch==2.14.1", "torchvision==0.29.1"]}
# What the frozen app imports; versions come from constraints.txt (the tested pins).
PACKAGES = ["PySide6-Essentials", "shiboken6", "pyqtgraph", "numpy", "pillow", "safetensors",
            "tomli-w", "av", "onnxruntime", "onnx", "pyinstaller"]
# Pins that belong to the CUDA torch (2.14.1) and must not constrain the CPU flavour.
CUDA_PINS = re.compile(r"^(torch|torchvision|triton|nvidia-|cuda-)", re.IGNORECASE)

# What the app never loads, removed from the built folder (paths relative to _internal/).
# The self-test runs the real paths (training, rendering, ONNX, video, PNG, the window) in the
# pruned folder, so a wrong entry here fails `make bundle` (pruning all of torch/bin did: `import
# torch` needs torch/bin/torch_shm_manager).
PRUNE = [
    "torch/include", "torch/share", "torch/test", "torch/lib/*.a",
    "torch/bin/*Test", "torch/bin/test_*", "torch/bin/protoc*", "torch/bin/*.pt*",
    "torch/lib/lib*test*.so", "torch/lib/libbackend_with_compiler.so",
    "torch/lib/libaoti_custom_ops.so", "torch/lib/libjitbackend_test.so",
    "torch/_inductor/codegen/*.h", "torch/testing/_internal/opinfo",
    "torch/testing/_internal/distributed", "torch/utils/benchmark",
    "torch/**/*.pyi", "caffe2",
    "PySide6/Qt/translations", "PySide6/Qt/qml", "PySide6/Qt/resources/qtwebengine*",
    "PySide6/Qt/plugins/qmltooling", "PySide6/Qt/plugins/designer",
    "PySide6/Qt/plugins/sqldrivers", "PySide6/Qt/plugins/multimedia",
    "PySide6/Qt/plugins/printsupport", "PySide6/Qt/plugins/sceneparsers",
    "PySide6/Qt/plugins/renderers", "PySide6/Qt/plugins/geometryloaders",
    "PySide6/Qt/plugins/position", "PySide6/Qt/plugins/networkinformation",
    "PySide6/Qt/plugins/tls", "PySide6/Qt/plugins/qmllint",
    # the GTK3 theme plugin would load the build machine's cairo/pango beside the user's GTK;
    # these system libraries came in only for it (nothing else in the folder needs them)
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "libatk-1.0.so.*", "libcairo*.so.*",
    "libdatrie.so.*", "libfribidi.so.*", "libgdk_pixbuf-2.0.so.*", "libgraphite2.so.*",
    "libharfbuzz.so.*", "libpango*.so.*", "libpixman-1.so.*", "libthai.so.*", "libXrender.so.*",
    "libXext.so.*", "libgio-2.0.so.*", "libgmodule-2.0.so.*", "libgobject-2.0.so.*",
    "libmount.so.*", "libblkid.so.*", "libselinux.so.*", "libjpeg.so.62",
    "PySide6/Qt/plugins/platforms/libqvnc.so", "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so", "PySide6/Qt/plugins/egldeviceintegrations",
    "PySide6/Qt/plugins/wayland-graphics-integration-server",
    "PySide6/Qt/lib/libQt6Qml*", "PySide6/Qt/lib/libQt6Quick*", "PySide6/Qt/lib/libQt6Pdf*",
    "PySide6/Qt/lib/libQt6Designer*", "PySide6/Qt/lib/libQt6Help*",
    "PySide6/Qt/lib/libQt6EglFS*", "PySide6/Qt/lib/libQt6WaylandCompositor*",
    "PySide6/Qt/lib/libQt6Labs*", "PySide6/Qt/lib/libQt6Lottie*",
    "PySide6/Qt/lib/libQt6VirtualKeyboard*", "PySide6/Qt/lib/libQt6ShaderTools*",
    "PySide6/Qt/lib/libQt6Sql*", "PySide6/Qt/lib/libQt6Test*",
    "onnx/backend/test", "onnxruntime/tools", "onnxruntime/transformers",
    "onnxruntime/quantization", "onnxruntime/datasets",
    "numpy/_core/tests", "numpy/tests", "**/tests/**/*.py", "sympy/**/tests",
]


def run(cmd: list[str], **kw: object) -> None:
    """Run a command, echoing it; stop the build with its exit status when it fails."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    done = subprocess.run([str(c) for c in cmd], **kw)
    if done.returncode:
        sys.exit(f"build.py: {cmd[0]} failed with exit status {done.returncode}")


def version() -> str:
    """The project version, from studio/__init__.py (the one the app reports)."""
    text = (ROOT / "studio" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)


def make_venv(flavour: str, venv: Path) -> Path:
    """Create `venv` with the flavour's torch, the app's packages and the project (no deps)."""
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", venv])
    pins = [line.strip() for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    if flavour == "cpu":
        pins = [p for p in pins if not CUDA_PINS.match(p)]
    BUILD.mkdir(parents=True, exist_ok=True)
    constraints = BUILD / f"constraints-{flavour}.txt"
    constraints.write_text("\n".join(pins) + "\n")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, "-c", constraints, *TORCH[flavour], *PACKAGES])
    run([*pip, "--no-deps", "--force-reinstall", ROOT])
    if flavour == "cpu":  # a torchvision left from an earlier install would shadow nothing
        subprocess.run([python, "-m", "pip", "uninstall", "--quiet", "-y", "torchvision"],
                       check=False)
    return python


# Shared libraries carry symbol tables (.symtab) for debuggers; the dynamic linker reads only
# .dynsym. `strip --strip-unneeded` takes them off (~75 MiB off libtorch_cpu.so alone). Only
# these: libraries that auditwheel/patchelf rewrote (numpy.libs, av.libs, pillow.libs and the
# extension modules beside them) break when stripped ("ELF load command address/offset not
# page-aligned"), which the self-test caught.
STRIP = ["torch/lib/*.so*", "PySide6/Qt/lib/*.so*", "PySide6/Qt/plugins/*/*.so",
         "PySide6/*.so*", "shiboken6/*.so*", "libpython3*.so*", "onnxruntime/capi/*.so"]


def strip_symbols(internal: Path) -> int:
    """Strip the symbol tables of every shared library under `internal` (when `strip`
    exists); returns the bytes freed. A library strip cannot handle is left as it is."""
    tool = shutil.which("strip")
    if tool is None:
        print("build.py: no `strip` on PATH (binutils); libraries keep their symbol tables")
        return 0
    freed = 0
    for path in sorted({p for pattern in STRIP for p in internal.glob(pattern)}):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        before = path.stat().st_size
        done = subprocess.run([tool, "--strip-unneeded", str(path)], capture_output=True)
        if done.returncode:
            print(f"build.py: left {path.name} unstripped: {done.stderr.decode().strip()}")
        freed += before - path.stat().st_size
    return freed


def prune(internal: Path) -> int:
    """Delete the PRUNE entries under `internal`; returns the bytes freed."""
    freed = 0
    for pattern in PRUNE:
        for path in sorted(internal.glob(pattern), key=lambda p: -len(p.parts)):
            if not path.exists():
                continue
            freed += folder_size(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    return freed


def folder_size(path: Path) -> int:
    """Bytes of the regular files under `path` (links not followed)."""
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def add_launcher(app: Path) -> None:
    """The `gan-studio` shell launcher, the desktop entry, icons and the installer script."""
    shutil.copy2(PACKAGING / "linux" / "gan-studio", app / "gan-studio")
    (app / "gan-studio").chmod(0o755)
    shutil.copy2(PACKAGING / "linux" / "install.sh", app / "install.sh")
    (app / "install.sh").chmod(0o755)
    share = app / "share"
    share.mkdir(exist_ok=True)
    resources = ROOT / "resources"
    if (resources / "gan-studio.desktop").is_file():
        shutil.copy2(resources / "gan-studio.desktop", share / "gan-studio.desktop")
    icons = share / "icons"
    icons.mkdir(exist_ok=True)
    for png in sorted((resources / "icons").glob("gan-studio-*.png")):
        shutil.copy2(png, icons / png.name)
    if (resources / "icons" / "gan-studio.svg").is_file():
        shutil.copy2(resources / "icons" / "gan-studio.svg", icons / "gan-studio.svg")


def make_tarball(app: Path, out: Path) -> None:
    """dist/…tar.gz holding the folder (named like the tarball, without .tar.gz)."""
    with tarfile.open(out, "w:gz", compresslevel=9) as tar:
        tar.add(app, arcname=out.name[: -len(".tar.gz")])


def make_installer(app: Path, out: Path, title: str) -> bool:
    """dist/….run: a makeself archive that runs install.sh; False when makeself is missing."""
    makeself = shutil.which("makeself") or shutil.which("makeself.sh")
    if makeself is None:
        print("build.py: makeself is not installed, so no .run installer was made. Install it "
              "(Debian/Ubuntu: sudo apt-get install makeself) and build again.", flush=True)
        return False
    run([makeself, "--gzip", "--complevel", "9", "--nox11", app, out, title, "./install.sh"],
        stdout=subprocess.DEVNULL)
    return True


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavour", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--skip-venv", action="store_true",
                        help="use .venv-bundle-<flavour> as it is (no pip)")
    parser.add_argument("--no-installer", action="store_true",
                        help="stop after the folder (no .tar.gz, no .run)")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("build.py makes the Linux folder and installers; on Windows/macOS run "
              "`pyinstaller packaging/gan-studio.spec` (see packaging/README.md)")
    started = time.perf_counter()
    venv = ROOT / f".venv-bundle-{args.flavour}"
    python = venv / "bin" / "python"
    if not args.skip_venv:
        python = make_venv(args.flavour, venv)
    elif not python.exists():
        sys.exit(f"build.py: --skip-venv given but {venv} does not exist; build without it")
    env = {**os.environ, "GAN_STUDIO_FLAVOUR": args.flavour, "GAN_STUDIO_VERSION": version()}
    work = BUILD / f"pyinstaller-{args.flavour}"
    folder_out = BUILD / f"dist-{args.flavour}"
    run([python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", folder_out, "--workpath", work, PACKAGING / "gan-studio.spec"], env=env)
    app = folder_out / "gan-studio"
    before = folder_size(app)
    freed = prune(app / "_internal") + strip_symbols(app / "_internal")
    add_launcher(app)
    size = folder_size(app)
    built = time.perf_counter() - started
    print(f"folder {app}: {mib(size)} ({mib(before)} before pruning, {mib(freed)} left out)")
    if args.no_installer:
        print(f"build time {built:.0f} s")
        return 0
    DIST.mkdir(exist_ok=True)
    stem = f"gan-studio-{version()}-linux-x86_64-{args.flavour}"
    tarball, installer = DIST / f"{stem}.tar.gz", DIST / f"{stem}.run"
    named = folder_out / stem  # the folder inside the archives carries the full name
    if named.exists():
        shutil.rmtree(named)
    app.rename(named)
    try:
        make_tarball(named, tarball)
        made = make_installer(named, installer, f"GAN Studio {version()} ({args.flavour})")
    finally:
        named.rename(app)
    total = time.perf_counter() - started
    print(f"build time {total:.0f} s (folder ready after {built:.0f} s)")
    print(f"folder      {mib(size)}  {app}")
    print(f".tar.gz     {mib(tarball.stat().st_size)}  {tarball}")
    if made:
        print(f".run        {mib(installer.stat().st_size)}  {installer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
