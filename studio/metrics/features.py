"""Feature extractors for image metrics: what an embedding net must offer, batched helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import Tensor

BATCH = 256  # images per forward pass when embedding


class FeatureNet:
    """Turns images in [-1, 1] into feature vectors; optionally names their classes.

    `name` appears in every metric computed on these features (`FD_<name>`), so a table can
    never pass one net's numbers off as another's.
    """

    name: str = ""
    classes: tuple[str, ...] = ()  # the classes `classify_batch` predicts; empty when none

    def embed_batch(self, x: Tensor) -> Tensor:
        """[B, C, H, W] in [-1, 1] → [B, D] float64 on the CPU."""
        raise NotImplementedError

    def describe(self) -> dict[str, float | str]:
        """Facts about the net an evaluation row should carry (e.g. its held-out accuracy)."""
        return {}

    def classify_batch(self, x: Tensor) -> Tensor | None:
        """Predicted class indices [B], or None for a net that does not classify."""
        return None

    def embed_and_classify_batch(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """Both at once; a net whose classifier sits on its features overrides this so that
        one forward pass serves both."""
        return self.embed_batch(x), self.classify_batch(x)

    def embed(self, images: Tensor | Callable[[int, int], Tensor], n: int | None = None,
              ) -> tuple[Tensor, Tensor | None]:
        """Features [N, D] and predicted classes [N] (or None) of a tensor of images, or of
        `n` images drawn batch by batch from `images(start, count)`."""
        feats, classes = [], []
        for batch in _batches(images, n):
            features, predicted = self.embed_and_classify_batch(batch)
            feats.append(features)
            if predicted is not None:
                classes.append(predicted)
        return torch.cat(feats), (torch.cat(classes) if classes else None)


def _batches(images: Tensor | Callable[[int, int], Tensor], n: int | None) -> Iterator[Tensor]:
    total = len(images) if isinstance(images, Tensor) else int(n or 0)
    for start in range(0, total, BATCH):
        count = min(BATCH, total - start)
        if isinstance(images, Tensor):
            yield images[start:start + count]
        else:
            yield images(start, count)
