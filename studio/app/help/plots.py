"""Concept figures that are plots of functions: the two generator losses, the optimal
discriminator between two densities, R1 on the Dirac-GAN, and an EMA of a jittering weight."""

from __future__ import annotations

import math
import random

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from studio.app.help.canvas import Canvas, Ink, blend

EPS = 1e-4  # keeps log(D) finite at the plot's ends


def g_losses(ink: Ink, dpr: float = 1.0) -> QImage:
    """Left: both G losses over D(G(z)); right: the size of their gradient w.r.t. D's logit."""
    c = Canvas(600, 250, ink, dpr)
    ticks = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")]
    c.set_view(QRectF(48, 34, 220, 160), (0.0, 1.0), (-4.5, 4.5))
    shade = QRectF(c.at(0, 4.5), c.at(0.15, -4.5))
    c.p.fillRect(shade, blend(ink.background, ink.text, 0.08))
    c.text(c.at(0.075, -3.2).x(), c.at(0.075, -3.2).y(), "early", ink.text)
    c.hline(0.0, ink.faint)
    c.curve(lambda d: math.log(1.0 - d), EPS, 1 - EPS, ink.fake)  # minimax: G minimises
    c.curve(lambda d: -math.log(d), EPS, 1 - EPS, ink.accent)  # non-saturating
    c.axes("D(G(z))", "G's loss", ticks, [(-4, "−4"), (0, "0"), (4, "4")])
    c.text(c.at(0.62, 2.2).x(), c.at(0.6, 2.2).y(), "−log D(G(z))", ink.accent, align="left")
    c.text(c.at(0.2, -1.6).x(), c.at(0.2, -1.6).y(), "log(1 − D(G(z)))", ink.fake,
           align="left")
    c.set_view(QRectF(360, 34, 220, 160), (0.0, 1.0), (0.0, 1.0))
    c.p.fillRect(QRectF(c.at(0, 1), c.at(0.15, 0)), blend(ink.background, ink.text, 0.08))
    c.text(c.at(0.075, 0.5).x(), c.at(0.075, 0.5).y(), "early", ink.text)
    c.curve(lambda d: d, 0.0, 1.0, ink.fake)  # |∂/∂l log(1 − σ(l))| = σ(l) = D
    c.curve(lambda d: 1.0 - d, 0.0, 1.0, ink.accent)  # |∂/∂l (−log σ(l))| = 1 − D
    c.axes("D(G(z))", "|gradient| through D's logit", ticks,
           [(0.0, "0"), (0.5, "0.5"), (1.0, "1")])
    c.text(c.at(0.03, 0.08).x(), c.at(0.03, 0.1).y() - 4, "minimax: vanishes", ink.fake,
           align="left")
    c.text(c.at(0.18, 0.9).x(), c.at(0.2, 0.9).y(), "non-saturating: steep", ink.accent,
           align="left")
    return c.finish()


def gauss(x: float, mean: float, std: float) -> float:
    return math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def p_data(x: float) -> float:
    """A two-bump data density on the line."""
    return 0.5 * gauss(x, -1.3, 0.5) + 0.5 * gauss(x, 1.3, 0.6)


def densities(ink: Ink, dpr: float = 1.0) -> QImage:
    """The optimal D* = p_data / (p_data + p_g) while p_g is off, and ½ once p_g = p_data."""
    c = Canvas(600, 250, ink, dpr)
    scale = 1.3  # densities are drawn ×scale so they share the 0…1 axis with D*
    panels = (("while G is learning", lambda x: gauss(x, 0.9, 0.9)),
              ("at the equilibrium: p_g = p_data", p_data))
    for i, (title, p_g) in enumerate(panels):
        c.set_view(QRectF(40 + i * 300, 40, 240, 150), (-3.5, 3.5), (0.0, 1.05))
        c.text(c.area.center().x(), 22, title, ink.text, bold=True)
        c.hline(0.5, ink.faint)
        c.fill_under(lambda x: scale * p_data(x), -3.5, 3.5, ink.real)
        c.curve(lambda x: scale * p_data(x), -3.5, 3.5, ink.real)
        c.curve(lambda x, p_g=p_g: scale * p_g(x), -3.5, 3.5, ink.fake,
                dash=i == 1, width=2.0 if i == 0 else 2.6)
        c.curve(lambda x, p_g=p_g: p_data(x) / (p_data(x) + p_g(x) + 1e-12), -3.5, 3.5,
                ink.accent, width=2.2)
        c.axes("", "", [], [(0.0, "0"), (0.5, "½"), (1.0, "1")])
    c.legend(150, 215, [("p_data", ink.real), ("p_g", ink.fake)])
    c.legend(330, 215, [("D*(x) = p_data / (p_data + p_g)", ink.accent)])
    return c.finish()


def dirac_path(gamma: float, steps: int = 900, lr: float = 0.02) -> list[tuple[float, float]]:
    """Simultaneous gradient steps of the Dirac-GAN (Mescheder et al. 2018, §2) from (1, 1).

    G places all its mass at θ, the data sits at 0 and D(x) = ψ·x; the value is
    f(ψθ) + f(0) with f(t) = −log(1 + e^(−t)); R1 adds −γψ to ψ's step.
    """
    theta, psi, path = 1.0, 1.0, [(1.0, 1.0)]
    for _ in range(steps):
        slope = 1.0 / (1.0 + math.exp(psi * theta))  # f'(ψθ)
        theta, psi = theta - lr * psi * slope, psi + lr * (theta * slope - gamma * psi)
        path.append((theta, psi))
    return path


def r1_dynamics(ink: Ink, dpr: float = 1.0) -> QImage:
    """Without R1 the Dirac-GAN circles its equilibrium; with R1 it spirals into it."""
    c = Canvas(600, 250, ink, dpr)
    for i, (title, gamma, colour) in enumerate((("no penalty", 0.0, ink.fake),
                                                 ("R1, γ = 0.5", 0.5, ink.accent))):
        c.set_view(QRectF(60 + i * 300, 50, 200, 150), (-1.8, 1.8), (-1.8, 1.8))
        c.text(c.area.center().x(), 12, title, ink.text, bold=True)
        c.hline(0.0, ink.faint)
        c.pen(ink.faint, 1.0, dash=True)
        c.p.drawLine(c.at(0, -1.8), c.at(0, 1.8))
        c.polyline(dirac_path(gamma), colour, 2.0)
        c.dot(c.at(1.0, 1.0), colour, 4.0)
        c.dot(c.at(0.0, 0.0), ink.real, 4.5)
        c.axes("θ: where G puts its samples (data at 0)", "ψ: D's slope",
               [(-1.5, "−1.5"), (0.0, "0"), (1.5, "1.5")], [(-1.5, "−1.5"), (1.5, "1.5")])
    return c.finish()


def ema_trace(ink: Ink, dpr: float = 1.0) -> QImage:
    """One weight of G jittering from step to step, and its exponential moving average."""
    c = Canvas(600, 220, ink, dpr)
    rng = random.Random(7)
    steps, beta = 300, 0.95
    raw, avg, ema = [], [], 0.0
    for t in range(steps):
        trend = 1.2 * (1 - math.exp(-t / 90))
        value = trend + 0.25 * math.sin(t / 5.0) + rng.gauss(0.0, 0.18)
        ema = beta * ema + (1 - beta) * value  # θ_ema ← β·θ_ema + (1 − β)·θ
        raw.append((t, value))
        avg.append((t, ema))
    c.set_view(QRectF(50, 20, 520, 150), (0, steps), (-0.6, 2.0))
    c.polyline(raw, ink.fake, 1.2)
    c.polyline(avg, ink.accent, 2.6)
    c.axes("training step", "", [(0, "0"), (100, "100"), (200, "200"), (300, "300")],
           [(0.0, "0"), (1.0, "1")])
    c.legend(70, 28, [("a weight of G after each step", ink.fake),
                      (f"its EMA, β = {beta}", ink.accent)])
    return c.finish()
