"""Evaluations: rows apart from training's, evaluators on known answers, the studio net's cache,
training undisturbed by evaluating, and `gan-studio eval`."""

from __future__ import annotations

import json

import pytest
import torch

from studio.cli import main
from studio.config import DataConfig
from studio.data import open_dataset
from studio.data.toy2d import mixture_modes
from studio.metrics import studio_net
from studio.metrics.evaluate import ImageEvaluator, PointsEvaluator
from studio.metrics.features import FeatureNet
from studio.metrics.names import fd_label, format_evaluation
from studio.runs.reader import RunFollower, read_evals, read_metrics
from studio.session import start_run
from tests.core.helpers import tiny_config
from tests.core.test_run_loop import final_weights, without_time

pytestmark = pytest.mark.usefixtures("one_thread")


class PooledPixels(FeatureNet):
    """A cheap stand-in feature net: 4×4 average-pooled pixels."""

    name = "pooled"

    def embed_batch(self, x):
        return torch.nn.functional.adaptive_avg_pool2d(x, 4).flatten(1).double()


class FromData:
    """A 'trainer' whose samples are real data (or one repeated sample)."""

    def __init__(self, dataset, collapse=False):
        self.dataset, self.collapse = dataset, collapse

    def sample(self, n, seed):
        gen = torch.Generator().manual_seed(seed)
        index = torch.randint(len(self.dataset), (n,), generator=gen)
        if self.collapse:
            index = torch.zeros_like(index)
        return self.dataset.batch(index)[0]


def test_images_from_the_data_score_well_and_a_collapse_badly():
    train = open_dataset(DataConfig(dataset="shapes", resolution=16, size=600, seed=0))
    held = open_dataset(DataConfig(dataset="shapes", resolution=16, size=600, seed=5))
    evaluate = ImageEvaluator(train, PooledPixels(), samples=400)
    good, bad = evaluate(FromData(held)), evaluate(FromData(held, collapse=True))
    assert good["features"] == "pooled" and good["samples"] == 400
    assert good["fd"] < 0.1 * bad["fd"]
    assert good["precision"] > 0.7 and good["recall"] > 0.7 and good["coverage"] > 0.7
    assert bad["recall"] < 0.05 and bad["coverage"] < 0.05 and bad["diversity"] < 0.01
    assert 0.8 < good["diversity"] < 1.2 and good["kid_std"] > 0


def test_points_report_modes_of_the_ring():
    data = open_dataset(DataConfig(dataset="ring8", size=4000))
    evaluate = PointsEvaluator(data, 2000, mixture_modes("ring8"))
    row = evaluate(FromData(open_dataset(DataConfig(dataset="ring8", size=4000, seed=3))))
    assert (row["modes_covered"], row["modes_total"]) == (8, 8)
    assert row["high_quality"] > 0.97 and row["mode_kl"] < 0.02
    assert row["precision"] > 0.8 and row["fd"] < 1e-3
    one = evaluate(FromData(data, collapse=True))
    assert one["modes_covered"] == 1 and one["mode_kl"] > 1.5
    assert "modes_covered" not in PointsEvaluator(data, 500)(FromData(data))  # no modes known


def test_studio_net_is_cached_by_fingerprint_and_leaves_the_rng_alone(tmp_path, monkeypatch):
    data = open_dataset(DataConfig(dataset="shapes", resolution=16, size=200))
    recipe = studio_net.Recipe(steps=3, batch_size=16)
    rng = torch.get_rng_state()
    first = studio_net.studio_features(data, tmp_path, recipe=recipe)
    assert torch.equal(torch.get_rng_state(), rng)
    assert first.name == "studio[shapes-16]" and first.classes == data.classes
    assert len(list(tmp_path.iterdir())) == 1

    def no_training(*args):
        raise AssertionError("trained again although cached")

    monkeypatch.setattr(studio_net, "_train", no_training)
    again = studio_net.studio_features(data, tmp_path, recipe=recipe)
    x = data.batch(torch.arange(8))[0]
    assert torch.equal(first.embed(x)[0], again.embed(x)[0])
    other = open_dataset(DataConfig(dataset="shapes", resolution=16, size=200, seed=1))
    with pytest.raises(AssertionError, match="trained again"):  # other pixels, other net
        studio_net.studio_features(other, tmp_path, recipe=recipe)


def test_a_damaged_cache_is_retrained(tmp_path):
    data = open_dataset(DataConfig(dataset="shapes", resolution=16, size=200))
    recipe = studio_net.Recipe(steps=2, batch_size=16)
    studio_net.studio_features(data, tmp_path, recipe=recipe)
    (folder,) = tmp_path.iterdir()
    (folder / "weights.safetensors").write_bytes(b"not weights")
    net = studio_net.studio_features(data, tmp_path, recipe=recipe)
    assert net.embed(data.batch(torch.arange(4))[0])[0].shape == (4, 8 * recipe.width)
    assert (folder / "weights.safetensors").stat().st_size > 1000


def test_unlabelled_images_learn_rotations():
    data = open_dataset(DataConfig(dataset="shapes", resolution=16, size=100))
    data.labels = None
    net = studio_net.studio_features(data, None, recipe=studio_net.Recipe(steps=2,
                                                                          batch_size=8))
    assert net.task == "rotation" and net.classes == ()
    assert net.embed(data.batch(torch.arange(4))[0])[1] is None


def test_evaluating_does_not_change_training(tmp_path):
    plain = tiny_config("gan", "ring8", steps=20, checkpoint_every=10)
    measured = plain.replace(train=plain.train.replace(eval_every=10, eval_samples=200))
    start_run(plain, tmp_path / "plain").run()
    start_run(measured, tmp_path / "measured").run()
    assert without_time(read_metrics(tmp_path / "plain")) == without_time(
        read_metrics(tmp_path / "measured"))
    a, b = final_weights(tmp_path / "plain"), final_weights(tmp_path / "measured")
    assert all(torch.equal(a.weights[k], b.weights[k]) for k in a.weights)
    evals = read_evals(tmp_path / "measured")
    assert [e["step"] for e in evals] == [10, 20]
    assert evals[0]["features"] == "points" and evals[0]["modes_total"] == 8
    assert read_evals(tmp_path / "plain") == []


def test_follower_keeps_eval_rows_apart(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    rows = [{"step": 10, "loss_d": 1.0}, {"step": 10, "kind": "eval", "fd": 3.0},
            {"step": 20, "loss_d": 0.9}]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    follower = RunFollower(folder)
    new_rows, _, _ = follower.poll()
    assert [r["step"] for r in new_rows] == [10, 20] and follower.metrics == new_rows
    assert follower.new_evals == [rows[1]] and follower.evals == [rows[1]]
    follower.poll()
    assert follower.new_evals == [] and follower.evals == [rows[1]]


def test_cli_eval_prints_and_records_a_row(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--variant", "gan", "--dataset", "ring8", "--steps", "10", "--out",
                 str(out), "--quiet", "--device", "cpu", "--set", "data.size=500",
                 "--set", "train.checkpoint_every=5", "--set", "train.keep_checkpoints=5"]) == 0
    capsys.readouterr()
    assert main(["eval", str(out), "--samples", "300", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["step"] == 10 and row["samples"] == 300 and 0 <= row["modes_covered"] <= 8
    assert main(["eval", str(out), "--step", "5", "--samples", "300"]) == 0
    table = capsys.readouterr().out
    assert "at step 5" in table and "FD_points" in table and "recall" in table
    assert [e["step"] for e in read_evals(out)] == [5, 10]


@pytest.mark.parametrize("args,message", [
    (["--step", "7"], "keeps no checkpoint of step 7; it keeps steps 10"),
    (["--samples", "5"], "too few"),
    (["--inception", "/nowhere/pt_inception.pth"], "does not exist"),
])
def test_cli_eval_mistakes_are_one_line(tmp_path, capsys, args, message):
    out = tmp_path / "run"
    main(["train", "--variant", "gan", "--dataset", "ring8", "--steps", "10", "--out",
          str(out), "--quiet", "--device", "cpu"])
    capsys.readouterr()
    assert main(["eval", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_names_never_call_a_studio_fd_fid():
    assert fd_label("inception") == "FID"
    assert fd_label("studio[shapes-32]") == "FD_studio[shapes-32]"
    text = format_evaluation({"features": "studio[shapes-32]", "fd": 1.5, "kid": 0.1,
                              "kid_std": 0.01, "recall": 0.5})
    assert "FD_studio[shapes-32]" in text and "FID" not in text and "± 0.01" in text
    text = format_evaluation({"features": "studio[shapes-32]", "fd": 1.5,
                              "feature_task": "labels", "feature_accuracy": 0.936})
    assert "93.6% of held-out classes right" in text


@pytest.mark.parametrize("background", [False, True])
def test_evaluations_beside_training_give_the_same_rows(tmp_path, monkeypatch, background):
    """The side-thread path (used on CUDA) measures a frozen copy of the generator: the same
    rows as inline, reported in order, and training untouched."""
    from studio.train import evaluation

    real_init = evaluation.EvalRunner.__init__

    def forced(self, evaluator, device, background_=None):
        real_init(self, evaluator, device, background)

    monkeypatch.setattr(evaluation.EvalRunner, "__init__", forced)
    config = tiny_config("gan", "ring8", steps=20, checkpoint_every=10)
    config = config.replace(train=config.train.replace(eval_every=5, eval_samples=200))
    start_run(config, tmp_path / "run").run()
    rows = read_evals(tmp_path / "run")
    assert [r["step"] for r in rows] == [5, 10, 15, 20]
    monkeypatch.setattr(evaluation.EvalRunner, "__init__", real_init)
    start_run(config, tmp_path / "inline").run()
    strip = [{k: v for k, v in r.items() if k not in ("time", "seconds")} for r in rows]
    assert strip == [{k: v for k, v in r.items() if k not in ("time", "seconds")}
                     for r in read_evals(tmp_path / "inline")]


def test_a_failing_evaluation_is_a_warning_not_a_failure(tmp_path, monkeypatch):
    from studio.metrics import evaluate

    def broken(self, trainer):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(evaluate.PointsEvaluator, "__call__", broken)
    config = tiny_config("gan", "ring8", steps=10)
    config = config.replace(train=config.train.replace(eval_every=5, eval_samples=200))
    assert start_run(config, tmp_path / "run").run() == "finished"
    from studio.runs.reader import read_events

    warnings = [e for e in read_events(tmp_path / "run") if e["kind"] == "warning"]
    assert [w["message"] for w in warnings] == ["evaluation failed: out of memory"] * 2
