"""Synthetic house numbers: a deterministic, offline stand-in for SVHN (chapter 1).

Introduced in chapter 1, "House numbers: the SVHN data": when the real SVHN files are out of
reach (always in CI), :func:`qbook.learning.data.load_svhn` falls back to :func:`~qbook.learning.synthetic.synthetic_svhn`, which
draws SVHN-like 32x32 crops from matplotlib's own fonts: a centred digit with distractor digits,
random colours, blur and noise, in SVHN's class frequencies. Every result built on it says so.
Re-exported by :mod:`qbook.learning.data`. This module never imports TensorFlow.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from qbook.common import checks as chk

#: Fonts that matplotlib ships (so every installation renders the same glyphs).
FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "cmss10.ttf",
    "cmr10.ttf",
)
_GLYPH_PX = 48  # canvas side of a cached glyph mask
_GLYPH_HEIGHT = 32.0  # ink height of a digit in the mask, in mask pixels
_CHUNK = 2048  # images generated per random stream (prefix-stable for any n)
_SPLIT_IDS = {"train": 0, "test": 1, "extra": 2}


@lru_cache(maxsize=1)
def glyph_masks() -> tuple[np.ndarray, np.ndarray]:
    """Every digit of every font in :data:`FONTS`, rendered once with matplotlib's FreeType.

    Returns masks (len(FONTS), 10, 48, 48) float32 in 0..1, each digit centred with an ink
    height of 32 pixels, and the ink widths (len(FONTS), 10) in mask pixels.
    """
    import matplotlib
    from matplotlib import ft2font

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    masks = np.zeros((len(FONTS), 10, _GLYPH_PX, _GLYPH_PX), np.float32)
    widths = np.zeros((len(FONTS), 10), np.float32)
    for f, name in enumerate(FONTS):
        font = ft2font.FT2Font(str(folder / name))
        font.set_size(64, 72)
        crops = []
        for d in range(10):
            font.set_text(str(d))
            font.draw_glyphs_to_bitmap(antialiased=True)
            img = np.asarray(font.get_image(), dtype=np.float32) / 255.0
            rows, cols = np.nonzero(img > 0.05)
            crops.append(img[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1])
        ink_h = max(c.shape[0] for c in crops)
        for d, crop in enumerate(crops):
            masks[f, d], widths[f, d] = _place_glyph(crop, _GLYPH_HEIGHT / ink_h)
    return masks, widths


#: Images per digit 0..9 in SVHN's train and test files; the generator draws labels with these
#: frequencies (``extra`` uses the training frequencies). Benford-like: many 1s and 2s.
SVHN_CLASS_COUNTS: dict[str, tuple[int, ...]] = {
    "train": (4948, 13861, 10585, 8497, 7458, 6882, 5727, 5595, 5045, 4659),
    "test": (1744, 5099, 4149, 2882, 2523, 2384, 1977, 2019, 1660, 1595),
}


def _place_glyph(crop: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    """Resample a glyph crop by ``scale`` (bilinear) into the centre of a square mask."""
    h, w = crop.shape
    out_h, out_w = h * scale, w * scale
    side = _GLYPH_PX
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    sy = (yy + 0.5 - (side - out_h) / 2) / scale - 0.5
    sx = (xx + 0.5 - (side - out_w) / 2) / scale - 0.5
    padded = np.pad(crop, 1)
    mask = _bilinear(padded[None], np.zeros((1, side, side), np.intp), sy[None] + 1, sx[None] + 1)
    return mask[0], float(out_w)


def _bilinear(stack: np.ndarray, idx: np.ndarray, sy: np.ndarray, sx: np.ndarray) -> np.ndarray:
    """Sample ``stack[idx]`` at fractional rows ``sy`` and columns ``sx`` (zero outside)."""
    h, w = stack.shape[-2:]
    inside = (sy > -1) & (sy < h) & (sx > -1) & (sx < w)
    sy = np.clip(sy, 0, h - 1.001)
    sx = np.clip(sx, 0, w - 1.001)
    y0 = sy.astype(np.intp)
    x0 = sx.astype(np.intp)
    fy = (sy - y0).astype(np.float32)
    fx = (sx - x0).astype(np.float32)
    flat = stack.reshape(-1)
    base = idx * (h * w) + y0 * w + x0
    a = flat.take(base)
    b = flat.take(base + 1)
    c = flat.take(base + w)
    d = flat.take(base + w + 1)
    top = a + (b - a) * fx
    bottom = c + (d - c) * fx
    return np.where(inside, top + (bottom - top) * fy, 0).astype(np.float32)


def _class_probabilities(split: str) -> np.ndarray:

    counts = np.asarray(SVHN_CLASS_COUNTS.get(split, SVHN_CLASS_COUNTS["train"]), np.float64)
    return counts / counts.sum()


def synthetic_svhn(n: int, seed: int = 0, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Deterministic SVHN-like house-number crops: X (n, 32, 32, 3) uint8, y (n,) int64 0..9.

    Each crop shows a centred digit from one of 16 fonts matplotlib ships (sans, serif, mono,
    bold, oblique), scaled, stretched, slightly rotated and shifted, with parts of neighbouring
    digits at the left and right edges as in SVHN, in a random colour on a shaded background of
    another colour (sometimes with little contrast), blurred and noisy. Labels follow SVHN's
    class frequencies (more 1s and 2s). The same ``(seed, split)`` gives the same images, and
    the first ``m`` of ``n`` images do not depend on ``n``. Introduced in chapter 1.
    """
    n = chk.count(n, "n")
    seed = chk.seed(seed)
    if not isinstance(split, str) or split not in _SPLIT_IDS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(_SPLIT_IDS)}")
    n = int(n)
    X = np.empty((n, 32, 32, 3), np.uint8)
    y = np.empty(n, np.int64)
    for k, start in enumerate(range(0, n, _CHUNK)):
        stop = min(n, start + _CHUNK)
        rng = np.random.default_rng([int(seed), _SPLIT_IDS[split], k])
        Xc, yc = _synthetic_chunk(rng, _CHUNK, split)
        X[start:stop], y[start:stop] = Xc[: stop - start], yc[: stop - start]
    return X, y


def _synthetic_chunk(rng: np.random.Generator, m: int, split: str) -> tuple[np.ndarray, np.ndarray]:
    masks, widths = glyph_masks()
    n_fonts = masks.shape[0]
    flat = masks.reshape(n_fonts * 10, _GLYPH_PX, _GLYPH_PX)
    y = rng.choice(10, size=m, p=_class_probabilities(split)).astype(np.int64)
    font = rng.integers(0, n_fonts, size=m)
    # geometry: digit height in output pixels, horizontal stretch, rotation, shift
    height = rng.uniform(15.0, 27.0, size=m)
    stretch = rng.uniform(0.75, 1.3, size=m)
    angle = rng.normal(0.0, 0.12, size=m).clip(-0.35, 0.35)
    shift = rng.normal(0.0, 1.2, size=(m, 2)).clip(-3, 3)
    scale = height / _GLYPH_HEIGHT  # output pixels per mask pixel
    cos = np.array([math.cos(a) for a in angle], np.float32)
    sin = np.array([math.sin(a) for a in angle], np.float32)
    # neighbours: digits to the left and right, present with some probability
    neighbours = rng.integers(0, 10, size=(m, 2))
    has_neighbour = rng.random(size=(m, 2)) < np.array([0.6, 0.6])
    gap = rng.uniform(1.0, 8.0, size=(m, 2))  # mask pixels between digits
    w_centre = widths[font, y]
    w_left = widths[font, neighbours[:, 0]]
    w_right = widths[font, neighbours[:, 1]]
    offsets = np.stack(
        [
            np.zeros(m),
            -(w_centre / 2 + gap[:, 0] + w_left / 2),
            w_centre / 2 + gap[:, 1] + w_right / 2,
        ],
        axis=1,
    ).astype(np.float32)  # along the text line, in mask pixels
    glyph = np.stack(
        [font * 10 + y, font * 10 + neighbours[:, 0], font * 10 + neighbours[:, 1]], axis=1
    )
    # inverse map: output pixel -> glyph-mask coordinates (rotation, then stretch and scale)
    v, u = np.mgrid[0:32, 0:32].astype(np.float32)
    du = (u[None] - 15.5 - shift[:, None, None, 0]).astype(np.float32)
    dv = (v[None] - 15.5 - shift[:, None, None, 1]).astype(np.float32)
    ru = cos[:, None, None] * du + sin[:, None, None] * dv
    rv = -sin[:, None, None] * du + cos[:, None, None] * dv
    sx = (ru / (scale * stretch)[:, None, None]).astype(np.float32)
    sy = (rv / scale[:, None, None]).astype(np.float32)
    centre = (_GLYPH_PX - 1) / 2
    alpha = np.zeros((m, 32, 32), np.float32)
    for j in range(3):
        a = _bilinear(
            flat,
            glyph[:, j, None, None],
            sy + centre,
            sx - offsets[:, j, None, None] + centre,
        )
        if j:
            a *= has_neighbour[:, j - 1, None, None]
        alpha = np.maximum(alpha, a)
    # colours: background lightness, foreground lighter or darker by a contrast that is
    # sometimes small; each tinted with its own random hue
    bg_l = rng.uniform(0.1, 0.9, size=m)
    contrast = np.where(rng.random(m) < 0.2, rng.uniform(0.08, 0.2, m), rng.uniform(0.2, 0.7, m))
    sign = np.where(rng.random(m) < 0.5, -1.0, 1.0)
    fg_l = bg_l + sign * contrast
    flip = (fg_l < 0) | (fg_l > 1)
    fg_l = np.where(flip, bg_l - sign * contrast, fg_l).clip(0, 1)
    bg = bg_l[:, None] + rng.uniform(-0.25, 0.25, size=(m, 3))
    fg = fg_l[:, None] + rng.uniform(-0.2, 0.2, size=(m, 3))
    # background shading: a linear ramp in a random direction
    ramp_dir = rng.normal(size=(m, 2))
    ramp_amp = rng.uniform(0.0, 0.25, size=m)
    norm = np.sqrt((ramp_dir**2).sum(axis=1)) + 1e-9
    ramp = (ramp_dir[:, 0, None, None] * (u - 15.5) + ramp_dir[:, 1, None, None] * (v - 15.5)) / (
        norm[:, None, None] * 32.0
    )
    shade = (ramp_amp[:, None, None] * ramp).astype(np.float32)
    a = alpha[..., None]
    img = (1 - a) * bg[:, None, None, :].astype(np.float32) + a * fg[:, None, None, :].astype(
        np.float32
    )
    img = img + shade[..., None]
    img = _blur(img, rng.choice(4, size=m, p=[0.25, 0.35, 0.25, 0.15]))
    noise_sd = rng.uniform(0.01, 0.06, size=m).astype(np.float32)
    img = img + noise_sd[:, None, None, None] * rng.standard_normal(img.shape, dtype=np.float32)
    X = np.rint(np.clip(img, 0.0, 1.0) * np.float32(255.0)).astype(np.uint8)
    return X, y


_BLUR_SIGMAS = (0.0, 0.6, 0.9, 1.3)


def _blur(img: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Gaussian blur, one of four strengths per image (grouped so the filter runs in bulk)."""
    from scipy.ndimage import gaussian_filter

    out = img.copy()
    for lvl, sigma in enumerate(_BLUR_SIGMAS):
        sel = np.nonzero(level == lvl)[0]
        if sigma and len(sel):
            out[sel] = gaussian_filter(img[sel], sigma=(0, sigma, sigma, 0), mode="nearest")
    return out


def data_checksum(X: np.ndarray, y: np.ndarray) -> str:
    """First 16 hex digits of the SHA-256 of images and labels (to check data is unchanged)."""
    X = chk.images(X, "X", shape=(None,) * max(1, np.ndim(X)))
    y = chk.int_array(y, "y", ndim=1)
    h = hashlib.sha256(np.ascontiguousarray(X).tobytes())
    h.update(np.ascontiguousarray(y).astype(np.int64).tobytes())
    return h.hexdigest()[:16]


def class_counts(y: np.ndarray) -> np.ndarray:
    """Images per digit 0..9. Introduced in chapter 1."""
    y = chk.labels(y, "y", 10)
    return np.bincount(y, minlength=10)
