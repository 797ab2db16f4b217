"""Checkpoints after kill -9 and damage: stale temp folders go, damaged files are named.

A writer killed mid-checkpoint leaves `checkpoints/.tmp-step_N-PID…`; the next start removes it
when that pid no longer runs here. Flipped bytes, an empty or a garbled file in the newest
checkpoint make resume and Explore fall back to the newest intact one, with a warning naming
the damaged file; when none is intact, one line names the files and says what to do.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from studio.cli import main
from studio.errors import RunFolderError
from studio.runs.checkpoints import (
    FILES,
    META,
    STATE,
    WEIGHTS,
    DamagedCheckpointError,
    _host,
    load_checkpoint,
    load_newest_intact,
    remove_stale_temps,
)
from studio.runs.reader import read_events, read_metrics

TIMEOUT_S = 120  # a hang fails the test instead of stalling the suite
TRAIN = ["train", "--variant", "gan", "--dataset", "ring8", "--set", "data.size=512",
         "--set", "train.log_every=5", "--set", "train.checkpoint_every=10", "--device", "cpu"]
# in a subprocess: kill -9 itself just before writing step 20's state.pt into the temp folder
KILL_AT_STEP_20 = """
import os, signal, sys, torch
real = torch.save
def save(obj, f, *args, **kwargs):
    if "step_0000020" in str(f):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(obj, f, *args, **kwargs)
torch.save = save
from studio.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _cli(tmp_path: Path, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
    """`gan-studio ARGS` (or `script` with ARGS) in a subprocess on one thread."""
    env = {**os.environ, "GAN_STUDIO_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    head = ["-c", script] if script else ["-m", "studio.cli"]
    return subprocess.run([sys.executable, *head, *args], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A 20-step GAN run with checkpoints at steps 10 and 20 (trained once, in-process)."""
    run = tmp_path_factory.mktemp("trained") / "run"
    assert main([*TRAIN, "--steps", "20", "--quiet", "--out", str(run)]) == 0
    return run


@pytest.fixture
def run(trained, tmp_path) -> Path:
    """A fresh copy of the trained run for one test to damage."""
    return Path(shutil.copytree(trained, tmp_path / "run"))


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _flip_tensor_bytes(path: Path, n: int = 8, seed: int = 0) -> None:
    """Overwrite `n` random bytes inside the tensor data of a safetensors or torch.save file
    (not its header), as a bad disk sector or a stray write would."""
    data = bytearray(path.read_bytes())
    if path.suffix == ".safetensors":
        start = 8 + struct.unpack("<Q", bytes(data[:8]))[0]  # past the JSON header
        end = len(data)
    else:  # a zip: the largest stored tensor entry
        with zipfile.ZipFile(path) as z:
            info = max((i for i in z.infolist() if "/data/" in i.filename),
                       key=lambda i: i.file_size)
        at = info.header_offset
        name_len, extra_len = struct.unpack("<HH", bytes(data[at + 26:at + 30]))
        start = at + 30 + name_len + extra_len
        end = start + info.file_size
    rng = random.Random(seed)
    for pos in rng.sample(range(start, end), n):
        data[pos] ^= rng.randrange(1, 256)
    path.write_bytes(bytes(data))


@pytest.mark.slow
def test_resume_removes_the_temp_folder_of_a_writer_killed_mid_checkpoint(tmp_path):
    run = tmp_path / "run"  # costs ~5 s: a killed training subprocess, then a resume
    killed = _cli(tmp_path, *TRAIN, "--steps", "20", "--quiet", "--out", str(run),
                  script=KILL_AT_STEP_20)
    assert killed.returncode == -9, killed.stderr
    ckpts = run / "checkpoints"
    left = [p.name for p in ckpts.iterdir() if p.name.startswith(".tmp-step_0000020")]
    assert len(left) == 1 and (ckpts / left[0] / WEIGHTS).is_file()
    dead = left[0].removeprefix(".tmp-step_0000020-").split("@")[0]  # the killed writer
    live = ckpts / f".tmp-step_0000030-{os.getpid()}@{_host()}"  # this test process runs
    elsewhere = ckpts / f".tmp-step_0000030-{dead}@another-machine"
    for keep in (live, elsewhere):
        keep.mkdir()

    again = _cli(tmp_path, "train", "--resume", str(run), "--quiet")

    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in ckpts.iterdir()) == sorted(
        ["step_0000010", "step_0000020", live.name, elsewhere.name])
    assert [r["step"] for r in read_metrics(run)][-2:] == [15, 20]


@pytest.mark.slow
def test_flipped_bytes_in_the_newest_weights_fall_back_to_the_previous_checkpoint(run):
    damaged = run / "checkpoints" / "step_0000020" / WEIGHTS  # costs ~3 s: one resume
    _flip_tensor_bytes(damaged)

    again = _cli(run.parent, "train", "--resume", str(run), "--steps", "30")

    assert again.returncode == 0, again.stderr
    warning = [line for line in again.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and str(damaged) in warning[0] and "step 10" in warning[0]
    events = read_events(run)
    assert [e["kind"] for e in events][-3:] == ["warning", "resumed", "finished"]
    assert events[-2]["step"] == 10 and str(damaged) in events[-3]["message"]
    assert [r["step"] for r in read_metrics(run)][-4:] == [15, 20, 25, 30]
    assert load_checkpoint(damaged.parent).step == 20  # rewritten by the resumed run


def test_flipped_bytes_in_the_newest_state_are_named_and_passed_over(run):
    damaged = run / "checkpoints" / "step_0000020" / STATE
    _flip_tensor_bytes(damaged)
    with pytest.raises(DamagedCheckpointError, match="SHA-256") as caught:
        load_checkpoint(damaged.parent)
    assert str(damaged) in str(caught.value)
    intact = load_newest_intact(run / "checkpoints")
    assert intact.stored.step == 10 and len(intact.warnings) == 1
    assert str(damaged) in intact.warnings[0]


def test_an_empty_state_file_is_named_and_resume_trains_on_from_the_previous(run):
    damaged = run / "checkpoints" / "step_0000020" / STATE
    damaged.write_bytes(b"")

    assert main(["train", "--resume", str(run), "--steps", "30", "--quiet"]) == 0

    events = read_events(run)
    assert events[-3]["kind"] == "warning" and events[-2]["step"] == 10
    assert f"{damaged} is damaged: it is empty (0 bytes)" in events[-3]["message"]
    assert [r["step"] for r in read_metrics(run)][-1] == 30


@pytest.mark.parametrize("content", [b"", b"\x80\x02garbled" * 40], ids=["empty", "garbled"])
def test_a_damaged_only_checkpoint_gives_one_line_naming_the_file(run, capsys, content):
    shutil.rmtree(run / "checkpoints" / "step_0000010")
    damaged = run / "checkpoints" / "step_0000020" / STATE
    damaged.write_bytes(content)
    meta = json.loads((damaged.parent / META).read_text())
    (damaged.parent / META).write_text(json.dumps({k: v for k, v in meta.items() if k != FILES}))

    assert main(["train", "--resume", str(run), "--steps", "30", "--quiet"]) == 2

    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("gan-studio: error: ")
    assert str(damaged) in err and "--config" in err
    assert "weights_only" not in err and not err.rstrip().endswith(":")


def test_a_checkpoint_without_checksums_loads_as_before(run):
    path = run / "checkpoints" / "step_0000020"
    meta = json.loads((path / META).read_text())
    assert set(meta[FILES]) == {WEIGHTS, STATE}
    (path / META).write_text(json.dumps({k: v for k, v in meta.items() if k != FILES}))
    stored = load_checkpoint(path)
    assert stored.step == 20 and stored.weights and "trainer" in stored.state


@pytest.mark.parametrize("meta", ["{}", "[1, 2]", '{"step": "abc"}', "{not json"])
def test_a_garbled_meta_json_is_named(run, meta):
    path = run / "checkpoints" / "step_0000020"
    (path / META).write_text(meta)
    with pytest.raises(RunFolderError, match=f"{path / META} is damaged"):
        load_checkpoint(path)
    assert load_newest_intact(run / "checkpoints").stored.step == 10


def test_stale_temp_folders_go_and_live_or_foreign_ones_stay(tmp_path):
    ckpts, dead, host = tmp_path / "checkpoints", _dead_pid(), _host()
    ours = f".tmp-step_0000030-{os.getpid()}@{host}"  # older than us: a killed predecessor's
    stale = [f".tmp-step_0000020-{dead}", f".tmp-step_0000020-{dead}@{host}", ours]
    kept = [f".tmp-step_0000020-{os.getppid()}@{host}", f".tmp-step_0000020-{dead}@elsewhere",
            f".tmp-step_0000040-{os.getpid()}@{host}", "step_0000010", ".tmp-notes"]
    for name in stale + kept:
        (ckpts / name).mkdir(parents=True)
        (ckpts / name / WEIGHTS).write_bytes(b"x" * 100)
    os.utime(ckpts / ours, (1e9, 1e9))  # written in 2001, before this process started
    removed = remove_stale_temps(ckpts)
    assert sorted(p.name for p in removed) == sorted(stale)
    assert sorted(p.name for p in ckpts.iterdir()) == sorted(kept)


def test_a_checkpoint_swapped_out_by_a_killed_writer_is_put_back(run):
    ckpts = run / "checkpoints"  # killed between the two renames of a rewrite of step 20
    dead, host = _dead_pid(), _host()
    (ckpts / "step_0000020").rename(ckpts / f".old-step_0000020-{dead}@{host}")
    shutil.copytree(ckpts / "step_0000010", ckpts / f".tmp-step_0000020-{dead}@{host}")
    remove_stale_temps(ckpts)
    assert sorted(p.name for p in ckpts.iterdir()) == ["step_0000010", "step_0000020"]
    assert load_checkpoint(ckpts / "step_0000020").step == 20


def test_explore_opens_the_newest_intact_checkpoint_and_names_the_damaged_one(tmp_path):
    from studio.explore.source import load_source  # costs ~1 s: a 4-step 16 px image GAN

    run = tmp_path / "images"
    assert main(["train", "--variant", "gan", "--dataset", "shapes", "--resolution", "16",
                 "--steps", "4", "--batch-size", "8", "--set", "data.size=64", "--set",
                 "train.checkpoint_every=2", "--set", "train.snapshot_every=4", "--device",
                 "cpu", "--quiet", "--out", str(run)]) == 0
    damaged = run / "checkpoints" / "step_0000004" / WEIGHTS
    _flip_tensor_bytes(damaged)

    source = load_source(run)

    assert source.step == 2 and len(source.warnings) == 1
    assert str(damaged) in source.warnings[0]
    with pytest.raises(DamagedCheckpointError, match="SHA-256") as caught:
        load_source(run, checkpoint=4)
    assert str(damaged) in str(caught.value) and "keeps steps 2" in str(caught.value)
