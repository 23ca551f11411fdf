"""Looking at the house numbers: image grids, the preprocessing steps, an explorer (chapter 1).

Introduced in chapter 1, "House numbers: the SVHN data"; re-exported by :mod:`qbook.learning.data`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qbook.common import checks as chk
from qbook.learning.data import rgb2gray

PREPROCESSING_STEPS = ("RGB (uint8)", "grey, rgb2gray", "normalised, /255")


def preprocessing_steps(image: np.ndarray) -> dict[str, np.ndarray]:
    """One RGB image (32, 32, 3) uint8 at each preprocessing step of chapter 1."""

    image = chk.images(image, "image", shape=(32, 32, 3))
    if image.shape != (32, 32, 3):
        raise ValueError(f"expected one RGB image of shape (32, 32, 3), got {image.shape}")
    grey = rgb2gray(image[None])[0, ..., 0]
    return dict(zip(PREPROCESSING_STEPS, (image, grey, grey / np.float32(255.0)), strict=True))


def _images_and_labels(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = chk.images(X, "X", shape=(None, 32, 32, None) if np.ndim(X) == 4 else (None, 32, 32))
    y = chk.int_array(y, "y", ndim=1)
    chk.same_length("X", X, "y", y)
    return X, y


def _indices(idx: Any, n: int) -> np.ndarray:
    idx = chk.int_array(idx, "idx", ndim=1, lo=0, hi=n - 1, min_size=1)
    return idx


def _show(ax, img: np.ndarray, title: str, colorbar: bool) -> None:
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    im = ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([0, 15, 31])
    ax.set_yticks([0, 15, 31])
    ax.grid(False)
    if colorbar and img.ndim == 2:  # an RGB image has no single colour scale
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)


def show_images(
    X: np.ndarray,
    y: np.ndarray,
    idx: np.ndarray | list[int] | None = None,
    ncols: int = 4,
    colorbar: bool = True,
) -> Any:
    """Images with their labels; grey ones with a colour bar as in Ganguly (2022). Chapter 1."""
    import matplotlib.pyplot as plt

    X, y = _images_and_labels(X, y)
    ncols = chk.count(ncols, "ncols", lo=1)
    colorbar = chk.boolean(colorbar, "colorbar")
    idx = np.arange(min(len(X), ncols)) if idx is None else _indices(idx, len(X))
    nrows = int(np.ceil(len(idx) / ncols))
    colorbar = colorbar and (X.ndim == 3 or X.shape[-1] == 1)
    size = (2.6 if colorbar else 1.5, 2.4 if colorbar else 1.6)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False
    )
    for ax in axes.flat[len(idx) :]:
        ax.axis("off")
    for ax, i in zip(axes.flat, idx, strict=False):
        _show(ax, X[i], f"#{i}: label {y[i]}", colorbar)
        if not colorbar:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_preprocessing(X: np.ndarray, y: np.ndarray, idx: list[int] | np.ndarray) -> Any:
    """A row per image, a column per preprocessing step, with colour bars (chapter 1)."""
    import matplotlib.pyplot as plt

    X, y = _images_and_labels(X, y)
    idx = _indices(idx, len(X)).tolist()
    fig, axes = plt.subplots(len(idx), 3, figsize=(8.4, 2.5 * len(idx)), squeeze=False)
    for row, i in zip(axes, idx, strict=True):
        for ax, (step, img) in zip(row, preprocessing_steps(X[i]).items(), strict=True):
            _show(ax, img, f"#{i} (label {y[i]}): {step}", colorbar=True)
            if img.ndim == 3:
                ax.set_xlabel("RGB: three channels")
    fig.tight_layout()
    return fig


def explorer(X: np.ndarray, y: np.ndarray) -> Any:
    """An ipywidgets explorer: page through images and preprocessing steps (chapter 1).

    Needs a running kernel; the chapter shows :func:`plot_preprocessing` beside it.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt

    X, y = _images_and_labels(X, y)
    if len(X) == 0:
        raise ValueError("explorer needs at least one image in X")
    index = w.IntSlider(value=0, min=0, max=len(X) - 1, description="image")
    step = w.ToggleButtons(options=PREPROCESSING_STEPS, description="step")
    out = w.Output()

    def draw(*_: Any) -> None:
        img = preprocessing_steps(X[index.value])[step.value]
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(3.6, 3.0))
            _show(ax, img, f"#{index.value}: label {y[index.value]}", colorbar=True)
            ax.set_xlabel(f"{img.dtype}, values {img.min():.3g}..{img.max():.3g}")
            plt.show()

    index.observe(draw, names="value")
    step.observe(draw, names="value")
    draw()
    return w.VBox([w.HBox([index]), step, out])
