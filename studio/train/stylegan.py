"""StyleGAN training (Karras et al. 2019, 2020), optionally grown progressively (2018).

One step:
    (r, α) ← growth schedule at this step;  set G, G_ema, D to (r, α)
    real ← real batch at r (during a fade: lerp(up(down(x, r/2)), down(x, r), α))
    z1, z2 ~ N(0, I);  ws ← mapping(z1), its later layers from mapping(z2) with p = mixing_prob
    w_avg ← lerp(w_avg, mean w, 1 − β)
    D: descend loss_D(D(aug(real)), D(aug(G(ws))))  (+ γ/2 · R1 · k every k-th step: lazy R1)
    G: descend loss_G(D(aug(G(ws))));  G_ema ← lerp(G_ema, G, 1 − decay)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from studio.config import Settings
from studio.errors import ConfigError
from studio.nets.stylegan import StyleDiscriminator, StyleGenerator
from studio.nets.stylegan_layers import downsample2x, upsample2x
from studio.train.adversarial import AdversarialTrainer
from studio.train.base import Batch, DataInfo, TrainerState
from studio.train.growth import growth_at

W_AVG_BETA = 0.995  # decay of the running average of w (the truncation centre)


def build_generator(model_cfg: Settings, data: DataInfo) -> StyleGenerator:
    """The generator exactly as StyleganTrainer builds it (to load a checkpoint's weights)."""
    m: Any = model_cfg
    if data.kind != "images":
        raise ConfigError("StyleGAN trains on images")
    channels, resolution, _ = data.shape
    return StyleGenerator(m.z_dim, m.w_dim, resolution, channels, m.mapping_layers,
                          m.channel_base, m.max_channels, m.style, m.mapping_lr_mul)


def real_at_growth(real: Tensor, resolution: int, alpha: float) -> Tensor:
    """Real images [N, C, R, R] shown at `resolution`, blended as PGGAN does during a fade."""
    factor = real.shape[-1] // resolution
    x = F.avg_pool2d(real, factor) if factor > 1 else real  # [N, C, r, r]
    if alpha < 1.0:
        x = torch.lerp(upsample2x(downsample2x(x)), x, alpha)
    return x


class StyleganTrainer(AdversarialTrainer):
    """G: StyleGenerator (mapping + synthesis); D: StyleDiscriminator; lazy R1; style mixing."""

    def __init__(self, config: Any, data: DataInfo, device: torch.device) -> None:
        super().__init__(config, data, device)
        self.last_r1 = torch.zeros((), device=device)  # reported on steps without R1 too
        self.apply_growth(self.steps)

    @property
    def z_dim(self) -> int:
        return self.config.model.z_dim

    def build_nets(self) -> tuple[nn.Module, nn.Module]:
        m = self.config.model
        g = build_generator(m, self.data)
        d = StyleDiscriminator(self.data.shape[0], self.data.shape[-1], m.channel_base,
                               m.max_channels, m.mbstd_group)
        return g, d

    # -- growth ------------------------------------------------------------------------------
    def growth(self, step: int) -> tuple[int, float]:
        """(resolution, alpha) of step `step`; full resolution when not growing."""
        m, final = self.config.model, self.data.shape[-1]
        if not m.progressive:
            return final, 1.0
        return growth_at(step, m.start_resolution, final, m.fade_steps, m.stable_steps)

    def apply_growth(self, step: int) -> tuple[int, float]:
        res, alpha = self.growth(step)
        for net in (self.G, self.D, self.G_ema):
            if net is not None:
                net.set_growth(res, alpha)
        return res, alpha

    # -- the algorithm -----------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, Tensor | float]:
        res, alpha = self.apply_growth(self.steps)
        real = real_at_growth(batch[0], res, alpha)
        k = self.config.train.d_steps
        for i in range(k):
            with torch.set_grad_enabled(i == k - 1):  # the last fakes also serve G's step
                fake = self.generate_mixed(real.shape[0])
            metrics = self.discriminator_step(real, fake.detach(), None)
        metrics["loss_g"] = self.generator_step(fake, None)
        self.update_ema()
        self.steps += 1
        metrics["resolution"], metrics["fade"] = float(res), float(alpha)
        return metrics

    def generate_mixed(self, n: int) -> Tensor:
        """n fakes from G; with p = mixing_prob a sample's later ws come from a second z."""
        g: StyleGenerator = self.G
        z = self.draw_noise(2 * n)  # [2n, z_dim]: z1 then z2
        ws_both = g.mapping(z)  # [2n, num_ws, w_dim]
        ws, ws2 = ws_both[:n], ws_both[n:]
        g.update_w_avg(ws[:, 0], W_AVG_BETA)
        p = self.config.model.mixing_prob
        if p > 0:
            cut = torch.randint(1, g.num_ws, (n,), device=self.device, generator=self.noise)
            mixed = torch.rand(n, device=self.device, generator=self.noise) < p
            cut = torch.where(mixed, cut, torch.full_like(cut, g.num_ws))  # [n]
            later = torch.arange(g.num_ws, device=self.device)[None] >= cut[:, None]
            ws = torch.where(later[:, :, None], ws2, ws)  # [n, num_ws, w_dim]
        return g.synthesis(ws, noise_mode="random", generator=self.noise)

    def discriminate(self, x: Tensor, labels: Tensor | None) -> Tensor:
        return self.D(self.augmented(x))

    def r1_weight(self) -> float:
        """Lazy R1 (StyleGAN2): γ · k on every k-th step, none in between."""
        t, interval = self.config.train, self.config.model.r1_interval
        return t.r1_gamma * interval if t.r1_gamma > 0 and self.steps % interval == 0 else 0.0

    def verdict_metrics(self, real_logits: Tensor, fake_logits: Tensor) -> dict[str, Tensor]:
        metrics = super().verdict_metrics(real_logits, fake_logits)
        metrics["d_accuracy"] = 0.5 * ((real_logits.detach() > 0).float().mean()
                                       + (fake_logits.detach() < 0).float().mean())
        return metrics

    def discriminator_step(self, real: Tensor, fake: Tensor,
                           labels: Tensor | None) -> dict[str, Tensor]:
        """The shared D step; R1 is reported every step (its last value between R1 steps)."""
        metrics = super().discriminator_step(real, fake, labels)
        self.last_r1 = metrics.get("r1", self.last_r1)
        metrics["r1"] = self.last_r1
        return metrics

    # -- sampling ----------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, seed: int, **condition: Any) -> Tensor:
        """n images in [-1, 1] from `seed`; options psi, cutoff, noise_mode (default const)."""
        net = self.generator()
        gen = torch.Generator(device=self.device).manual_seed(seed)
        z = self.draw_noise(n, gen)
        was_training = net.training
        net.eval()
        try:
            out = net(z, condition.get("psi", 1.0), condition.get("cutoff"),
                      condition.get("noise_mode", "const"), gen)
            return out.clamp(-1.0, 1.0).float().cpu()
        finally:
            net.train(was_training)

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> TrainerState:
        ts = super().state_dict()
        ts.state["last_r1"] = float(self.last_r1)
        return ts

    def load_state_dict(self, state: TrainerState) -> None:
        super().load_state_dict(state)
        self.last_r1 = torch.tensor(float(state.state.get("last_r1", 0.0)), device=self.device)
        self.apply_growth(max(self.steps - 1, 0))  # as it was after the last step taken
