"""The FID Inception against pytorch-fid's own network, built from the same random weights (no
download), and the checks that guard loading the weights file.

Cost on one core: the random weights ~1 s; the two networks at 299 px on 8 images ~6 s (slow).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from pytorch_fid import inception as pytorch_fid_inception
from pytorch_fid.fid_score import calculate_frechet_distance

from studio.metrics.frechet import fd
from studio.metrics.inception import (
    FEATURE_DIM,
    FID_WEIGHT_FILES,
    FID_WEIGHTS_SHA256,
    InceptionFeatures,
    InceptionWeightsError,
    load_inception,
    sha256_of,
)


def _random_fid_state(seed: int) -> dict[str, torch.Tensor]:
    """Seeded random weights shaped like pytorch-fid's FID Inception (torchvision's Inception3,
    1008 classes, no aux head): He-scaled convolutions, batch-norm statistics near identity."""
    template = torchvision.models.inception.Inception3(num_classes=1008, aux_logits=False,
                                                       init_weights=False).state_dict()
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in template.items():
        shape = value.shape
        if key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(0)
        elif key.endswith("conv.weight"):
            state[key] = torch.randn(shape, generator=g) * (2.0 / value[0].numel()) ** 0.5
        elif key.endswith("bn.weight"):
            state[key] = 1 + 0.1 * torch.randn(shape, generator=g)
        elif key.endswith(("bn.bias", "running_mean")):
            state[key] = 0.1 * torch.randn(shape, generator=g)
        elif key.endswith("running_var"):
            state[key] = 0.5 + torch.rand(shape, generator=g)
        elif key == "fc.weight":
            state[key] = 0.01 * torch.randn(shape, generator=g)
        elif key == "fc.bias":
            state[key] = torch.zeros(shape)
        else:
            raise KeyError(f"unexpected key {key}")
    return state


def _test_images(n: int, seed: int) -> torch.Tensor:
    """n smooth 32×32 RGB images in [-1, 1] of varied brightness and contrast, [n, 3, 32, 32]
    (plain noise images all look alike to a random deep network)."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 4, 4, generator=g) * 2 - 1
    smooth = F.interpolate(low, size=(32, 32), mode="bilinear", align_corners=False)
    contrast = torch.linspace(0.2, 1.0, n).view(n, 1, 1, 1)
    brightness = torch.linspace(-0.6, 0.6, n).view(n, 1, 1, 1)
    return (smooth * contrast + brightness).clamp(-1, 1)


@pytest.fixture(scope="module")
def random_state() -> dict[str, torch.Tensor]:
    """One seeded random state dict shared by the module's tests."""
    return _random_fid_state(seed=0)


@pytest.fixture(scope="module")
def features(random_state):
    """Features of the same 8 images from pytorch-fid's network and from ours, [8, 2048] each."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:  # pytorch-fid would download its weights here
        patch.setattr(pytorch_fid_inception, "load_state_dict_from_url",
                      lambda *args, **kwargs: random_state)
        theirs = pytorch_fid_inception.InceptionV3([3]).eval()  # expects images in [0, 1]
    ours = InceptionFeatures(random_state)
    images = _test_images(8, seed=1)
    with torch.no_grad():
        reference = theirs((images + 1) / 2)[0].flatten(1)
        got = ours(images)
        gray = ours(images[:1, :1])
        gray_rgb = ours(images[:1, :1].repeat(1, 3, 1, 1))
    torch.set_num_threads(threads)
    return {"ours": got, "theirs": reference, "gray": gray, "gray_rgb": gray_rgb}


@pytest.mark.slow
def test_features_match_pytorch_fid(features):
    ours, theirs = features["ours"], features["theirs"]
    assert ours.shape == theirs.shape == (8, FEATURE_DIM)
    assert float((ours - theirs).norm() / theirs.norm()) < 1e-4
    # what FID sees is the spread between images: it must match too, and not be negligible
    spread_ours, spread_theirs = ours - ours.mean(0), theirs - theirs.mean(0)
    assert float((spread_ours - spread_theirs).norm() / spread_theirs.norm()) < 1e-4
    assert float(spread_theirs.std(0).mean()) > 0.01 * float(theirs.abs().mean())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")
def test_fd_matches_pytorch_fid(features):
    """pytorch-fid's FD of its features vs ours of our features. FD is invariant under orthogonal
    maps, so both sets are first written in an orthonormal basis of the span of all 16 feature
    vectors: scipy's sqrtm then works on 16×16 matrices instead of 2048×2048 ones (30 s)."""
    ours, theirs = features["ours"].double().numpy(), features["theirs"].double().numpy()
    basis, _ = np.linalg.qr(np.concatenate([ours, theirs]).T)  # [2048, 16]
    a, b = theirs[:4] @ basis, theirs[4:] @ basis  # [4, 16]
    expected = calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False),
                                          b.mean(0), np.cov(b, rowvar=False))
    assert fd(theirs[:4], theirs[4:]) == pytest.approx(expected, rel=1e-6)
    assert fd(ours[:4], ours[4:]) == pytest.approx(expected, rel=1e-4)
    assert fd(ours[:4] @ basis, ours[4:] @ basis) == pytest.approx(fd(ours[:4], ours[4:]),
                                                                   rel=1e-9)


@pytest.mark.slow
def test_grayscale_is_repeated_to_three_channels(features):
    torch.testing.assert_close(features["gray"], features["gray_rgb"], rtol=0, atol=0)


def test_stays_in_eval_mode_and_frozen(random_state):
    net = InceptionFeatures(random_state)
    net.train()
    assert not net.training and not any(m.training for m in net.modules())
    assert not any(p.requires_grad for p in net.parameters())
    with pytest.raises(ValueError, match="images"):
        net(torch.zeros(2, 4, 8, 8))


def test_weight_file_names_carry_their_hash_prefix():
    """torch.hub's convention: the 8 hex digits in the name start the file's SHA-256."""
    for name, digest in FID_WEIGHT_FILES.items():
        assert len(digest) == 64 and digest == FID_WEIGHTS_SHA256
        assert name.removesuffix(".pth").rsplit("-", 1)[1] == digest[:8]


def test_sha256_of_streams(tmp_path):
    path = tmp_path / "blob.bin"
    data = np.random.default_rng(0).bytes(100_000)
    path.write_bytes(data)
    assert sha256_of(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()


def test_load_round_trip(tmp_path, random_state):
    path = tmp_path / "random-inception.pth"
    torch.save(random_state, path)
    net = load_inception(path, expected_sha256=sha256_of(path))
    assert isinstance(net, InceptionFeatures)
    for key in ("Conv2d_1a_3x3.conv.weight", "Mixed_7c.branch_pool.bn.running_var", "fc.weight"):
        torch.testing.assert_close(net.state_dict()[key], random_state[key], rtol=0, atol=0)


def test_sha_mismatch_names_file_hashes_and_source(tmp_path):
    path = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    path.write_bytes(b"half a download")
    actual = hashlib.sha256(b"half a download").hexdigest()
    with pytest.raises(InceptionWeightsError) as caught:
        load_inception(path)
    message = str(caught.value)
    for part in (str(path), actual, FID_WEIGHTS_SHA256, "github.com/mseitzer/pytorch-fid"):
        assert part in message


def test_missing_file(tmp_path):
    with pytest.raises(InceptionWeightsError, match="not found"):
        load_inception(tmp_path / "nowhere.pth")


def test_not_a_torch_file(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("these are not weights\n")
    with pytest.raises(InceptionWeightsError, match="could not be read as PyTorch weights"):
        load_inception(path, expected_sha256=sha256_of(path))


def _leave_mark(path: str) -> None:
    """What a malicious pickle would run on load."""
    Path(path).write_text("code ran")


class _Payload:
    """Pickles as a call to _leave_mark."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return _leave_mark, (self.path,)


def test_loading_never_runs_code(tmp_path):
    mark = tmp_path / "mark.txt"
    path = tmp_path / "evil.pth"
    torch.save({"weight": torch.zeros(1), "payload": _Payload(mark)}, path)
    with pytest.raises(InceptionWeightsError, match="could not be read"):
        load_inception(path, expected_sha256=sha256_of(path))
    assert not mark.exists()


def test_wrong_keys_are_a_clear_error(random_state):
    state = dict(random_state)
    del state["Mixed_6a.branch3x3.conv.weight"]
    state["extra.weight"] = torch.zeros(1)
    with pytest.raises(InceptionWeightsError, match="do not fit") as caught:
        InceptionFeatures(state)
    assert "Mixed_6a.branch3x3.conv.weight" in str(caught.value)


def test_without_torchvision_standard_fid_says_what_is_missing(tmp_path, monkeypatch):
    """The CPU installer leaves torchvision out: asking for standard FID there is one clear
    StudioError, not a bare ModuleNotFoundError."""
    import sys

    from studio.errors import StudioError
    from studio.metrics.evaluators import InceptionNet

    monkeypatch.delitem(sys.modules, "studio.metrics.inception", raising=False)
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import torchvision now fails
    monkeypatch.setitem(sys.modules, "torchvision.models", None)
    monkeypatch.setitem(sys.modules, "torchvision.models.inception", None)
    with pytest.raises(StudioError, match="standard FID needs torchvision"):
        InceptionNet(tmp_path / "pt_inception-2015-12-05-6726825d.pth")
