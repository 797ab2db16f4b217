"""Concept figures made of point clouds: truncation toward the mean w, Fréchet distance between
two Gaussians, precision/recall balls, and mode collapse on a ring of Gaussians. Points are
drawn from seeded generators, so a figure is the same on every draw."""

from __future__ import annotations

import math
import random

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage

from studio.app.help.canvas import Canvas, Ink

Point = tuple[float, float]


def banana(rng: random.Random, n: int) -> list[Point]:
    """A curved, non-Gaussian cloud, like the intermediate latents w of a trained mapping."""
    points: list[Point] = []
    while len(points) < n:
        u, v = rng.gauss(0.0, 1.0), rng.gauss(0.0, 0.3)
        if abs(u) < 2.6 and abs(v) < 0.8:
            points.append((u, 0.25 * u * u + v - 0.25))
    return points


def truncation(ink: Ink, dpr: float = 1.0) -> QImage:
    """Samples of w, the mean w̄, and where ψ = 0.5 moves them: w̄ + ψ(w − w̄)."""
    c = Canvas(600, 260, ink, dpr)
    ws = banana(random.Random(3), 90)
    mean = (sum(x for x, _ in ws) / len(ws), sum(y for _, y in ws) / len(ws))
    psi = 0.5
    c.set_view(QRectF(20, 36, 340, 176), (-3.0, 3.0), (-1.3, 1.8))
    c.text(190, 14, "pulling w toward the average w̄ (ψ = 0.5)", ink.text, bold=True)
    for x, y in ws:
        moved = (mean[0] + psi * (x - mean[0]), mean[1] + psi * (y - mean[1]))
        rare = math.hypot(x - mean[0], (y - mean[1]) * 1.6) > 1.7
        if rare:
            c.arrow(c.at(x, y), c.at(*moved), ink.faint, 1.0)
        c.dot(c.at(x, y), ink.fake if rare else ink.faint, 3.0, hollow=True)
        c.dot(c.at(*moved), ink.accent, 2.6)
    c.dot(c.at(*mean), ink.text, 5.0)
    c.text(c.at(*mean).x() - 4, c.at(*mean).y() - 40, "w̄", ink.text, bold=True)
    c.pen(ink.text, 1.0)
    c.p.drawLine(c.at(*mean) - QPointF(0, 32), c.at(*mean) - QPointF(0, 6))
    c.legend(30, 226, [("w, ψ = 1 (rare ones in orange)", ink.fake),
                       ("w̄ + ψ(w − w̄)", ink.accent)])
    scale_left, scale_right, y = 390.0, 580.0, 95.0
    c.text((scale_left + scale_right) / 2, 40, "ψ trades variety for fidelity", ink.text,
           bold=True)
    c.arrow(QPointF(scale_left, y), QPointF(scale_right, y), ink.faint, 1.4)
    for psi_tick, words in ((0.0, "0"), (0.5, "0.5"), (1.0, "1")):
        x = scale_left + psi_tick * (scale_right - scale_left - 14)
        c.pen(ink.faint, 1.0)
        c.p.drawLine(QPointF(x, y - 4), QPointF(x, y + 4))
        c.text(x, y + 8, words, ink.text, align="top")
    notes = (("ψ = 0: every sample is", "the average image"),
             ("ψ ≈ 0.7: typical, clean,", "less varied"),
             ("ψ = 1: the full variety,", "rare oddities included"))
    for i, lines in enumerate(notes):
        for j, line in enumerate(lines):
            c.text(scale_left, 140 + i * 36 + j * 14, line, ink.text, align="left")
    return c.finish()


def ellipse(c: Canvas, centre: Point, radii: Point, angle: float, colour: QColor) -> None:
    """An ellipse in data coordinates (the view must keep x and y at the same scale)."""
    q = c.at(*centre)
    unit = c.area.width() / (c.xs[1] - c.xs[0])
    c.p.save()
    c.p.translate(q)
    c.p.rotate(-math.degrees(angle))
    c.pen(colour, 1.8)
    c.p.setBrush(Qt.BrushStyle.NoBrush)
    c.p.drawEllipse(QPointF(0, 0), radii[0] * unit, radii[1] * unit)
    c.p.restore()


def gaussian_cloud(rng: random.Random, n: int, centre: Point, radii: Point,
                   angle: float) -> list[Point]:
    cos, sin = math.cos(angle), math.sin(angle)
    points = []
    for _ in range(n):
        a, b = rng.gauss(0.0, radii[0]), rng.gauss(0.0, radii[1])
        points.append((centre[0] + a * cos - b * sin, centre[1] + a * sin + b * cos))
    return points


def frechet(ink: Ink, dpr: float = 1.0) -> QImage:
    """Real and generated features as two Gaussians: FD compares their means and covariances."""
    c = Canvas(600, 260, ink, dpr)
    c.set_view(QRectF(20, 14, 340, 204), (-3.3, 3.3), (-2.1, 1.86))
    rng = random.Random(11)
    real = ((-1.1, -0.1), (1.0, 0.45), 0.5, ink.real)
    fake = ((1.2, 0.3), (0.6, 0.35), -0.3, ink.fake)
    for centre, radii, angle, colour in (real, fake):
        for q in gaussian_cloud(rng, 70, centre, radii, angle):
            c.dot(c.at(*q), colour, 2.2)
        ellipse(c, centre, (2 * radii[0], 2 * radii[1]), angle, colour)
    c.arrow(c.at(*real[0]), c.at(*fake[0]), ink.text, 1.6)
    c.dot(c.at(*real[0]), ink.text, 4.0)
    mid = c.at((real[0][0] + fake[0][0]) / 2, (real[0][1] + fake[0][1]) / 2)
    c.text(mid.x(), mid.y() + 22, "μ_r → μ_g", ink.text, bold=True)
    lines = ("Each cloud: features of images", "(a network's embedding).", "",
             "FD = ‖μ_r − μ_g‖²", "   + Tr(Σ_r + Σ_g", "         − 2(Σ_r Σ_g)^½)", "",
             "0 when the two Gaussians", "match; lower is better.")
    for i, line in enumerate(lines):
        c.text(380, 30 + i * 18, line, ink.text, align="left", bold=line.startswith("FD"))
    c.legend(30, 236, [("real features, 2σ ellipse", ink.real)])
    c.legend(230, 236, [("generated features", ink.fake)])
    return c.finish()


def knn_radius(points: list[Point], i: int, k: int) -> float:
    """Distance from points[i] to its k-th nearest other point."""
    here = points[i]
    dist = sorted(math.dist(here, q) for j, q in enumerate(points) if j != i)
    return dist[k - 1]


def prdc_balls(ink: Ink, dpr: float = 1.0) -> QImage:
    """Real k-NN balls (k = 3); fakes inside some ball count for precision. Figures computed."""
    c = Canvas(600, 250, ink, dpr)
    c.set_view(QRectF(20, 20, 340, 220), (-2.6, 2.6), (-1.7, 1.66))
    rng = random.Random(5)
    real = gaussian_cloud(rng, 14, (-0.6, 0.0), (0.8, 0.5), 0.3)
    fake = gaussian_cloud(rng, 12, (0.5, 0.2), (0.7, 0.45), -0.2)
    k, unit = 3, c.area.width() / (c.xs[1] - c.xs[0])
    radii = [knn_radius(real, i, k) for i in range(len(real))]
    tint = QColor(ink.real)
    tint.setAlpha(38)
    c.p.setClipRect(c.area)
    for q, r in zip(real, radii, strict=True):
        c.pen(ink.real, 1.0)
        c.p.setBrush(tint)
        c.p.drawEllipse(c.at(*q), r * unit, r * unit)
    c.p.setClipping(False)
    for q in real:
        c.dot(c.at(*q), ink.real, 3.2)
    inside = [sum(math.dist(f, q) <= r for q, r in zip(real, radii, strict=True)) for f in fake]
    for f, hits in zip(fake, inside, strict=True):
        c.dot(c.at(*f), ink.fake, 3.6, hollow=hits == 0)
    covered = sum(any(math.dist(f, q) <= r for f in fake) for q, r in zip(real, radii,
                                                                        strict=True))
    precision = sum(h > 0 for h in inside) / len(fake)
    density = sum(inside) / (k * len(fake))
    lines = (f"precision = {precision:.2f}", "  fakes inside some real ball",
             f"density = {density:.2f}", "  real balls per fake, ÷ k",
             f"coverage = {covered / len(real):.2f}", "  real balls holding a fake",
             "recall: the same with the roles", "  of real and fake swapped")
    for i, line in enumerate(lines):
        c.text(385, 34 + i * 20, line, ink.text, align="left", bold=not line.startswith(" "))
    c.legend(385, 206, [("real, with its 3-NN ball", ink.real), ("generated", ink.fake)])
    return c.finish()


def ring_modes(ink: Ink, dpr: float = 1.0) -> QImage:
    """Eight Gaussians on a ring: a healthy G covers all of them, a collapsed G two."""
    c = Canvas(600, 256, ink, dpr)
    centres = [(2 * math.cos(2 * math.pi * i / 8), 2 * math.sin(2 * math.pi * i / 8))
               for i in range(8)]
    rng = random.Random(2)
    panels = (("healthy: 8 of 8 modes", list(range(8))), ("collapsed: 2 of 8 modes", [0, 1]))
    for p, (title, used) in enumerate(panels):
        c.set_view(QRectF(60 + p * 300, 30, 200, 200), (-2.9, 2.9), (-2.9, 2.9))
        c.text(c.area.center().x(), 16, title, ink.text, bold=True)
        for centre in centres:
            for q in gaussian_cloud(rng, 18, centre, (0.13, 0.13), 0.0):
                c.dot(c.at(*q), ink.real, 1.8)
            c.dot(c.at(*centre), ink.faint, 11.0, hollow=True)
        for i in range(80):
            centre = centres[used[i % len(used)]]
            q = gaussian_cloud(rng, 1, centre, (0.1, 0.1), 0.0)[0]
            c.dot(c.at(*q), ink.fake, 2.0)
    c.legend(200, 244, [("data", ink.real)])
    c.legend(320, 244, [("G's samples", ink.fake)])
    return c.finish()
