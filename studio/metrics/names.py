"""How metrics are named for people, torch-free (the studio's panels use it)."""

from __future__ import annotations

INCEPTION = "inception"  # the `features` of an evaluation on the FID Inception-v3

# the figures of an evaluation row, in the order tables show them
FIGURES = ("fd", "kid", "precision", "recall", "density", "coverage")


def fd_label(features: str) -> str:
    """"FID" only on the real FID Inception; otherwise FD named for its feature net."""
    return "FID" if features == INCEPTION else f"FD_{features}"


def kid_label(features: str) -> str:
    return "KID" if features == INCEPTION else f"KID_{features}"


def figure_label(key: str, features: str) -> str:
    """The column title of figure `key` of an evaluation on `features`."""
    if key == "fd":
        return fd_label(features)
    if key == "kid":
        return kid_label(features)
    return key


def format_evaluation(row: dict) -> str:
    """An evaluation row as an aligned table for a terminal."""
    features = str(row.get("features", ""))
    lines = []
    for key in FIGURES:
        if key not in row:
            continue
        value = f"{row[key]:.4g}"
        if key == "kid" and "kid_std" in row:
            value += f" ± {row['kid_std']:.2g}"
        lines.append((figure_label(key, features), value))
    for key in ("diversity", "modes_covered", "high_quality", "mode_kl"):
        if key in row:
            value = row[key]
            text = (f"{value} of {row.get('modes_total')}" if key == "modes_covered"
                    else f"{value:.4g}")
            lines.append((key.replace("_", " "), text))
    if "feature_accuracy" in row:  # how well the studio net knows the data it embeds
        task = "classes" if row.get("feature_task") == "labels" else "rotations"
        lines.append(("feature net", f"{features}, {row['feature_accuracy']:.1%} of held-out "
                                     f"{task} right"))
    if "samples" in row:
        lines.append(("samples", str(row["samples"])))
    if "seconds" in row:
        lines.append(("seconds", f"{row['seconds']:.1f}"))
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"  {label:<{width}}  {value}" for label, value in lines)
