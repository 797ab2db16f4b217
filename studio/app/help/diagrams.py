"""Concept figures that are diagrams: the two players, the conditional GAN, DCGAN's generator,
StyleGAN's generator and how style mixing splits its layers."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage

from studio.app.help.canvas import Canvas, Ink


def right_of(r: QRectF) -> QPointF:
    return QPointF(r.right(), r.center().y())


def left_of(r: QRectF) -> QPointF:
    return QPointF(r.left(), r.center().y())


def players(ink: Ink, dpr: float = 1.0, label: bool = False) -> QImage:
    """Noise → G → fake → D ← real; D's verdict; G learns through D's gradient.

    With `label`, a class label y feeds both players (the conditional GAN)."""
    c = Canvas(600, 230, ink, dpr)
    z = c.box(QRectF(10, 40, 90, 44), "noise z\n~ N(0, I)", ink.faint)
    g = c.box(QRectF(140, 36, 90, 52), "G\ngenerator", ink.fake)
    fake = c.box(QRectF(270, 40, 90, 44), "G(z, y)\na fake" if label else "G(z)\na fake",
                 ink.fake, bold=False)
    real = c.box(QRectF(270, 120, 90, 44), "x\nreal data", ink.real, bold=False)
    d = c.box(QRectF(400, 72, 90, 60), "D\ndiscriminator", ink.accent)
    out = c.box(QRectF(510, 77, 84, 50), "D(·)\nP(real)", ink.faint, bold=False)
    c.arrow(right_of(z), left_of(g), ink.text)
    c.arrow(right_of(g), left_of(fake), ink.text)
    c.arrow(right_of(fake), QPointF(d.left(), d.top() + 16), ink.text)
    c.arrow(right_of(real), QPointF(d.left(), d.bottom() - 16), ink.text)
    c.arrow(right_of(d), left_of(out), ink.text)
    c.pen(ink.fake, 1.2, dash=True)
    c.p.drawLine(QPointF(d.center().x(), d.top()), QPointF(d.center().x(), 22))
    c.p.drawLine(QPointF(d.center().x(), 22), QPointF(g.center().x(), 22))
    c.arrow(QPointF(g.center().x(), 22), QPointF(g.center().x(), g.top()), ink.fake, 1.2)
    c.text((g.center().x() + d.center().x()) / 2, 4, "G learns from D's gradient",
           ink.fake, align="top")
    if label:
        y = c.box(QRectF(10, 160, 90, 44), "label y\n“a 7”", ink.other)
        c.arrow(QPointF(y.right(), y.center().y()), QPointF(g.center().x(), g.bottom()),
                ink.other)
        c.pen(ink.other, 1.5)
        c.p.drawLine(QPointF(y.right(), 192), QPointF(d.center().x(), 192))
        c.arrow(QPointF(d.center().x(), 192), QPointF(d.center().x(), d.bottom()), ink.other)
        c.text(380, 214, "D asks: is x a real sample of class y?", ink.text)
    else:
        c.text(300, 200, "D is trained to tell real from fake, G to make D wrong",
               ink.text)
    return c.finish()


def conditional(ink: Ink, dpr: float = 1.0) -> QImage:
    """The two players, both told the class label."""
    return players(ink, dpr, label=True)


def dcgan_stack(ink: Ink, dpr: float = 1.0) -> QImage:
    """DCGAN's generator: each transposed convolution doubles the side and halves the channels."""
    c = Canvas(600, 240, ink, dpr)
    layers = (("4×4×512", 16, 64), ("8×8×256", 32, 48), ("16×16×128", 64, 34),
              ("32×32×64", 110, 22), ("64×64×3", 150, 8))
    zbox = c.box(QRectF(8, 85, 56, 40), "z\n100", ink.faint)
    x, mid = 100.0, 105.0
    previous = right_of(zbox)
    for i, (words, side, depth) in enumerate(layers):
        colour = ink.real if i == len(layers) - 1 else ink.fake
        rect = QRectF(x, mid - side / 2, depth, side)
        tint = QColor(colour)
        tint.setAlpha(50)
        c.pen(colour, 1.5)
        c.p.setBrush(tint)
        c.p.drawRect(rect)
        c.arrow(previous, left_of(rect), ink.text, 1.2)
        c.text(rect.center().x(), 200 if i % 2 else 186, words, ink.text, align="top")
        previous = right_of(rect)
        x = rect.right() + (46 if i < len(layers) - 2 else 52)
    c.text(300, 8, "G: project z, then transposed conv ×2 · batch norm · ReLU, Tanh at the end",
           ink.text, align="top")
    c.text(300, 222, "D mirrors it: strided conv ×½ · batch norm · LeakyReLU(0.2) → one logit",
           ink.text, align="top")
    return c.finish()


def stylegan_map(ink: Ink, dpr: float = 1.0) -> QImage:
    """Mapping z → w; synthesis from a constant, styled per layer by A(w), with noise via B."""
    c = Canvas(600, 250, ink, dpr)
    z = c.box(QRectF(10, 14, 70, 36), "z", ink.faint)
    mapping = c.box(QRectF(10, 74, 70, 64), "mapping\n8 × FC", ink.other)
    w = c.box(QRectF(10, 162, 70, 36), "w ∈ W", ink.other)
    c.arrow(QPointF(45, z.bottom()), QPointF(45, mapping.top()), ink.text)
    c.arrow(QPointF(45, mapping.bottom()), QPointF(45, w.top()), ink.text)
    c.pen(ink.other, 1.0, dash=True)
    c.p.drawLine(QPointF(w.right(), 181), QPointF(200 + 3 * 88 + 6, 181))
    const = c.box(QRectF(110, 90, 70, 40), "const\n4×4", ink.faint, bold=False)
    previous = right_of(const)
    for i, res in enumerate(("4²", "8²", "16²", "32²")):
        x = 200 + i * 88
        block = c.box(QRectF(x, 84, 64, 52), f"block\n{res}", ink.fake)
        c.arrow(previous, left_of(block), ink.text)
        a = c.box(QRectF(x + 6, 168, 26, 26), "A", ink.other)
        b = c.box(QRectF(x + 36, 30, 26, 26), "B", ink.faint)
        c.arrow(QPointF(a.center().x(), a.top()), QPointF(a.center().x(), block.bottom()),
                ink.other, 1.2)
        c.arrow(QPointF(b.center().x(), b.bottom()), QPointF(b.center().x(), block.top()),
                ink.faint, 1.2)
        c.text(b.left() - 4, b.center().y(), "noise", ink.text, align="right")
        previous = right_of(block)
    c.text(previous.x() + 6, previous.y(), "→ image", ink.text, align="left")
    c.text(340, 214, "A: a learned affine map of w → the layer's style (scales per channel)",
           ink.text, align="top")
    c.text(340, 230, "B: learned per-channel strength of fresh per-pixel noise",
           ink.text, align="top")
    return c.finish()


def mixing_bands(ink: Ink, dpr: float = 1.0) -> QImage:
    """The ten style layers of a 64-px StyleGAN (two per resolution), and which latent styles
    each in a mix."""
    c = Canvas(600, 230, ink, dpr)
    layers = ("4²", "4²", "8²", "8²", "16²", "16²", "32²", "32²", "64²", "64²")
    bands = (("coarse: pose, shape", 0, 4), ("middle: features", 4, 8),
             ("fine: colour, texture", 8, 10))
    left, cell = 140.0, 44.0
    rows = (("A alone", lambda i: "A"), ("B alone", lambda i: "B"),
            ("coarse from B", lambda i: "B" if i < 4 else "A"),
            ("fine from B", lambda i: "B" if i >= 8 else "A"))
    for b, (words, lo, hi) in enumerate(bands):
        x0, x1 = left + lo * cell + 2, left + hi * cell - 2
        c.pen(ink.text, 1.2)
        c.p.drawLine(QPointF(x0, 34), QPointF(x1, 34))
        c.p.drawLine(QPointF(x0, 34), QPointF(x0, 40))
        c.p.drawLine(QPointF(x1, 34), QPointF(x1, 40))
        c.text((x0 + x1) / 2, 20, words, ink.text, bold=b == 0)
    for i, res in enumerate(layers):
        c.text(left + (i + 0.5) * cell, 52, res, ink.text)
    for r, (words, source) in enumerate(rows):
        y = 66 + r * 36
        c.text(left - 10, y + 14, words, ink.text, align="right")
        for i in range(len(layers)):
            which = source(i)
            colour = ink.accent if which == "A" else ink.fake
            c.box(QRectF(left + i * cell + 2, y, cell - 4, 28), which, colour)
    c.text(300, 212, "each layer takes its own copy of w; a mix gives some layers w_B",
           ink.text, align="top")
    return c.finish()
