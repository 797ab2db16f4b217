"""The adversarial training step shared by GAN, cGAN and DCGAN.

Algorithm 1 of Goodfellow et al. (2014), with the loss chosen at run time:
    for k discriminator steps:  z ~ p(z);  ascend V on D with a real batch and G(z)
    then one generator step:    descend the generator loss on G through the updated D,
                                reusing the last D step's z (as the DCGAN reference does)
Subclasses build the networks and say how labels reach them.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from typing import Any

import torch
from torch import Tensor, nn

from studio.config import RunConfig
from studio.train import distributed, losses
from studio.train.base import (
    Batch,
    DataInfo,
    Trainer,
    TrainerState,
    check_live_change,
    prefixed,
    unprefixed,
)

SNAPSHOT_SEED_OFFSET = 7919  # the fixed noise is drawn from seed + this, apart from training


class AdversarialTrainer(Trainer):
    """Owns G, D, their Adam optimisers, an optional EMA of G and the noise generator."""

    def __init__(self, config: RunConfig, data: DataInfo, device: torch.device) -> None:
        super().__init__(config, data, device)
        t = config.train
        torch.manual_seed(t.seed)  # weight initialisation
        g, d = self.build_nets()
        self.G, self.D = g.to(device), d.to(device)
        distributed.broadcast_module(self.G)
        distributed.broadcast_module(self.D)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False) if t.ema_decay else None
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=t.lr_g, betas=(t.beta1, t.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=t.lr_d, betas=(t.beta1, t.beta2))
        self.loss = t.loss
        noise_seed = t.seed + 1 + 100_003 * distributed.rank()  # each rank its own fakes
        self.noise = torch.Generator(device=device).manual_seed(noise_seed)
        self.steps = 0

    conditional = False  # True when G and D take labels

    # -- what subclasses provide -------------------------------------------------------------
    @property
    @abstractmethod
    def z_dim(self) -> int: ...

    @abstractmethod
    def build_nets(self) -> tuple[nn.Module, nn.Module]:
        """(G, D) on the CPU, freshly initialised."""

    def generate(self, net: nn.Module, z: Tensor, labels: Tensor | None) -> Tensor:
        return net(z)

    def discriminate(self, x: Tensor, labels: Tensor | None) -> Tensor:
        return self.D(self.augmented(x))

    def augmented(self, x: Tensor) -> Tensor:
        """Images `x` [N, C, H, W] as D sees them: DiffAugment's policy from the model settings
        (the same random changes for real and fake, drawn from the trainer's noise)."""
        policy = getattr(self.config.model, "augment", "none")
        if policy == "none" or x.ndim != 4:
            return x
        from studio.train.augment import augment

        return augment(x, policy, self.noise)

    def default_labels(self, n: int) -> Tensor | None:
        return None

    # -- the algorithm -----------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, Tensor | float]:
        real, labels = batch
        k = self.config.train.d_steps
        for i in range(k):
            # the last D step's fakes keep their graph and serve G's step too (one G forward)
            with torch.set_grad_enabled(i == k - 1):
                fake = self.generate(self.G, self.draw_noise(real.shape[0]), labels)
            metrics = self.discriminator_step(real, fake.detach(), labels)
        metrics["loss_g"] = self.generator_step(fake, labels)
        self.update_ema()
        self.steps += 1
        return metrics

    def discriminator_step(self, real: Tensor, fake: Tensor,
                           labels: Tensor | None) -> dict[str, Tensor]:
        """Descend D's loss on a real batch and a batch of (detached) fakes."""
        t = self.config.train
        r1_weight = self.r1_weight()
        real = real.detach().requires_grad_(r1_weight > 0)
        real_logits = self.discriminate(real, labels)  # [B]
        fake_logits = self.discriminate(fake, labels)  # [B]
        loss = losses.D_LOSSES[self.loss](real_logits, fake_logits)
        metrics = self.verdict_metrics(real_logits, fake_logits)
        if self.loss == "wgan-gp":
            gp = losses.gradient_penalty(lambda x: self.discriminate(x, labels), real, fake,
                                         generator=self.noise)
            loss = loss + t.gp_weight * gp
            metrics["gp"] = gp.detach()
        if r1_weight > 0:
            r1 = losses.r1_penalty(real, real_logits)
            loss = loss + 0.5 * r1_weight * r1
            metrics["r1"] = r1.detach()
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        distributed.average_gradients(self.D)
        self.opt_d.step()
        metrics["loss_d"] = loss.detach()
        return metrics

    def r1_weight(self) -> float:
        """γ of this step's R1 term, 0 for none (lazy regularization spaces it out)."""
        return self.config.train.r1_gamma

    def verdict_metrics(self, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
        """What D's logits on a step tell a person: the game's terms (variants may add)."""
        return losses.game_terms(real_logits, fake_logits)

    def generator_step(self, fake: Tensor, labels: Tensor | None) -> Tensor:
        """Descend G's loss through the freshly updated D."""
        self.D.requires_grad_(False)  # no D gradients are needed for G's update
        loss = losses.G_LOSSES[self.loss](self.discriminate(fake, labels))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        distributed.average_gradients(self.G)
        self.opt_g.step()
        self.D.requires_grad_(True)
        return loss.detach()

    @torch.no_grad()
    def update_ema(self) -> None:
        if self.G_ema is None:
            return
        decay = self.config.train.ema_decay
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
            p_ema.lerp_(p, 1.0 - decay)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
            b_ema.copy_(b)

    def draw_noise(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        gen = generator or self.noise
        return torch.randn(n, self.z_dim, device=self.device, generator=gen)  # [n, z_dim]

    # -- sampling ----------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, seed: int, **condition: Any) -> Tensor:
        net = self.generator()
        gen = torch.Generator(device=self.device).manual_seed(seed)
        z = self.draw_noise(n, gen)
        labels = self.condition_labels(n, condition.get("labels"))
        was_training = net.training
        net.eval()
        try:
            return self.generate(net, z, labels).float().cpu()
        finally:
            net.train(was_training)

    def condition_labels(self, n: int, labels: Any) -> Tensor | None:
        return None

    @torch.no_grad()
    def judge(self, x: Tensor) -> Tensor:
        """σ(D(x)) per sample; for a conditional D, averaged over the classes."""
        was_training = self.D.training
        self.D.eval()
        try:
            classes = max(1, self.data.num_classes if self.conditional else 1)
            verdicts = [torch.sigmoid(self.discriminate(
                x, torch.full((len(x),), k, device=x.device) if self.conditional else None))
                for k in range(classes)]
            return torch.stack(verdicts).mean(0).float()  # [N]
        finally:
            self.D.train(was_training)

    def snapshot_size(self) -> int:
        """Samples in the timelapse grid; a 2-D scatter needs many points, so 16× as many."""
        return self.config.train.snapshot_count * (16 if self.data.kind == "points" else 1)

    def snapshot(self) -> Tensor:
        return self.sample(self.snapshot_size(), self.config.train.seed + SNAPSHOT_SEED_OFFSET)

    def generator(self) -> nn.Module:
        return self.G_ema if self.G_ema is not None else self.G

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> TrainerState:
        weights = {**prefixed("G", self.G.state_dict()), **prefixed("D", self.D.state_dict())}
        if self.G_ema is not None:
            weights.update(prefixed("G_ema", self.G_ema.state_dict()))
        state = {"opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "noise_rng": self.noise.get_state(), "torch_rng": torch.get_rng_state(),
                 "loss": self.loss, "steps": self.steps, "data": self.data.to_dict()}
        return TrainerState(weights, state)

    def load_state_dict(self, state: TrainerState) -> None:
        self.G.load_state_dict(unprefixed("G", state.weights))
        self.D.load_state_dict(unprefixed("D", state.weights))
        if self.G_ema is not None:
            self.G_ema.load_state_dict(unprefixed("G_ema", state.weights))
        s = state.state
        self.opt_g.load_state_dict(s["opt_g"])
        self.opt_d.load_state_dict(s["opt_d"])
        self.noise.set_state(s["noise_rng"])
        torch.set_rng_state(s["torch_rng"])
        self.loss, self.steps = s["loss"], int(s["steps"])

    def apply_change(self, key: str, value: Any) -> Any:
        value = check_live_change(key, value)
        if key == "loss":
            old, self.loss = self.loss, value
            return old
        opt = self.opt_g if key == "lr_g" else self.opt_d
        old = opt.param_groups[0]["lr"]
        for group in opt.param_groups:
            group["lr"] = value
        return old
