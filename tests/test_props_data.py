"""Property tests of qbook.learning.data (issue 11): bad input refused; .mat round trips, preprocessing."""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from _props import bad_input_cases, check_bad_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qbook.learning import data, data_plots, synthetic

COVERED = [
    "qbook.learning.data.SvhnFile",
    "qbook.learning.data.SVHN",
    "qbook.learning.data.format_array",
    "qbook.learning.data.fix_label",
    "qbook.learning.data.rgb2gray",
    "qbook.learning.data.normalise",
    "qbook.learning.data.split_sizes",
    "qbook.learning.data.train_val_split",
    "qbook.learning.data.read_svhn_mat",
    "qbook.learning.data.write_svhn_mat",
    "qbook.learning.data.cache_dir",
    "qbook.learning.data.is_offline",
    "qbook.learning.data.sha256_of",
    "qbook.learning.data.verify_file",
    "qbook.learning.data.download",
    "qbook.learning.data.fetch_svhn_file",
    "qbook.learning.data.load_svhn",
    "qbook.learning.synthetic.glyph_masks",
    "qbook.learning.synthetic.synthetic_svhn",
    "qbook.learning.synthetic.data_checksum",
    "qbook.learning.synthetic.class_counts",
    "qbook.learning.data_plots.preprocessing_steps",
    "qbook.learning.data_plots.show_images",
    "qbook.learning.data_plots.plot_preprocessing",
    "qbook.learning.data_plots.explorer",
]

images = hnp.arrays(np.uint8, st.tuples(st.integers(1, 3), st.just(32), st.just(32), st.just(3)))
digits = st.lists(st.integers(0, 9), min_size=1, max_size=3)


@pytest.mark.parametrize(("qual", "func", "good", "muts"), bad_input_cases("data"))
@given(data=st.data())
def test_bad_input_raises_value_or_type_error(qual, func, good, muts, data):
    check_bad_inputs(qual, func, good, muts, data)


@given(images, st.data())
def test_mat_file_round_trip_and_registry_checks(X, d):
    y = np.asarray(d.draw(st.lists(st.integers(0, 9), min_size=len(X), max_size=len(X))))
    path = Path(tempfile.mkdtemp()) / "x_32x32.mat"
    data.write_svhn_mat(path, X, y)
    X2, y2 = data.read_svhn_mat(path)
    assert np.array_equal(X2, X) and np.array_equal(y2, y)
    entry = data.SvhnFile("train", path.as_uri(), len(X), path.stat().st_size, data.sha256_of(path))
    data.verify_file(path, entry)
    got = data.download(entry, path.parent / "copy" / "x_32x32.mat")
    assert data.sha256_of(got) == entry.sha256
    assert data.fetch_svhn_file("train", got.parent, {"train": entry}, download_ok=False) == got
    assert synthetic.data_checksum(X, y) == synthetic.data_checksum(X2, y2)


@given(images)
def test_preprocessing_keeps_range_and_shape(X):
    grey = data.rgb2gray(X)
    assert grey.shape == (*X.shape[:3], 1) and grey.min() >= 0 and grey.max() <= 255.001
    norm = data.normalise(grey)
    assert norm.dtype == np.float32 and 0 <= norm.min() and norm.max() <= 1.0001
    assert np.array_equal(data.format_array(np.transpose(X, (1, 2, 3, 0))), X)
    steps = data_plots.preprocessing_steps(X[0])
    assert list(steps) == list(data_plots.PREPROCESSING_STEPS)


@given(st.integers(2, 10**6), st.floats(0.01, 0.99))
def test_split_sizes_add_up(n, f):
    try:
        tr, va = data.split_sizes(n, f)
    except ValueError:
        return  # val_fraction leaves no training image
    assert tr + va == n and tr >= 1 and va >= 1


@given(st.lists(st.integers(1, 10), min_size=1, max_size=50))
def test_fix_label_and_class_counts(labels):
    y = data.fix_label(np.asarray(labels)[:, None])
    assert np.array_equal(y, np.asarray(labels) % 10)
    assert synthetic.class_counts(y).sum() == len(labels)


@settings(max_examples=1)  # each call renders a chunk of 2,048 images
@given(st.integers(0, 5), st.integers(0, 3))
def test_synthetic_svhn_is_a_deterministic_prefix_stable_generator(n, seed):
    X, y = synthetic.synthetic_svhn(n + 2, seed=seed)
    Xs, ys = synthetic.synthetic_svhn(n, seed=seed)
    assert np.array_equal(X[:n], Xs) and np.array_equal(y[:n], ys)
    out = data.load_svhn(source="synthetic", n=n + 2, seed=seed)
    assert isinstance(out, data.SVHN) and out.source == "synthetic"
    assert np.array_equal(out.X, X)
    Xt, Xv, yt, yv = data.train_val_split(X, y, seed=seed)
    assert len(Xt) + len(Xv) == n + 2
    masks, widths = synthetic.glyph_masks()
    assert masks.shape[1:] == (10, 48, 48) and np.all(widths > 0)


def test_offline_words_and_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("QBOOK_OFFLINE", "on")
    assert data.is_offline()
    assert data.cache_dir(tmp_path) == tmp_path


def test_figures_draw(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    X, y = synthetic.synthetic_svhn(4)
    assert data_plots.show_images(X, y, ncols=2) is not None
    assert data_plots.plot_preprocessing(X, y, [0, 1]) is not None
    assert data_plots.explorer(X, y) is not None
