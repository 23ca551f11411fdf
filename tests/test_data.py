"""qbook.learning.data: SVHN files, download safety, the synthetic stand-in and preprocessing."""

import hashlib
import http.server
import threading
import time

import numpy as np
import pytest
import scipy.io

from qbook.learning import data, synthetic


def _images(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)


# ---------------------------------------------------------------- .mat files


def test_mat_round_trip_in_svhn_layout(tmp_path):
    X = _images(7)
    y = np.array([0, 1, 2, 9, 0, 5, 3])
    path = tmp_path / "tiny_32x32.mat"
    data.write_svhn_mat(path, X, y)
    raw = scipy.io.loadmat(path)
    assert raw["X"].shape == (32, 32, 3, 7) and raw["X"].dtype == np.uint8
    assert raw["y"].shape == (7, 1)
    assert raw["y"][:, 0].tolist() == [10, 1, 2, 9, 10, 5, 3]  # 10 stands for zero
    assert np.array_equal(raw["X"][:, :, :, 3], X[3])
    X2, y2 = data.read_svhn_mat(path)
    assert X2.dtype == np.uint8 and y2.dtype == np.int64
    assert np.array_equal(X2, X) and np.array_equal(y2, y)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"X": np.zeros((32, 32, 3, 2), np.uint8)}, "no variable y"),
        ({"X": np.zeros((32, 32, 3, 2), np.float64), "y": np.ones((2, 1))}, "uint8"),
        ({"X": np.zeros((28, 28, 3, 2), np.uint8), "y": np.ones((2, 1))}, r"\(32, 32, 3, N\)"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((3, 1))}, "2 images but 3"),
        ({"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[1], [11]])}, "outside 1..10"),
    ],
)
def test_read_svhn_mat_names_the_problem(tmp_path, content, message):
    path = tmp_path / "bad.mat"
    scipy.io.savemat(path, content)
    with pytest.raises(ValueError, match=message):
        data.read_svhn_mat(path)


# ---------------------------------------------------------------- preprocessing


def test_format_array_and_fix_label():
    X = np.arange(32 * 32 * 3 * 2, dtype=np.uint32).reshape(32, 32, 3, 2)
    out = data.format_array(X)
    assert out.shape == (2, 32, 32, 3)
    assert out[1, 4, 5, 2] == X[4, 5, 2, 1]
    assert data.fix_label(np.array([[1], [10], [5]])).tolist() == [1, 0, 5]
    assert data.fix_label(np.array([10.0, 2.0])).tolist() == [0, 2]
    with pytest.raises(ValueError, match="outside 1..10"):
        data.fix_label(np.array([0, 3]))
    with pytest.raises(ValueError, match="outside 1..10"):
        data.fix_label(np.array([11]))
    with pytest.raises(ValueError, match="whole numbers"):
        data.fix_label(np.array([1.5]))
    with pytest.raises(ValueError, match=r"\(32, 32, 3, N\)"):
        data.format_array(np.zeros((2, 32, 32, 3)))


def test_rgb2gray_and_normalise_values():
    X = np.zeros((3, 32, 32, 3), np.uint8)
    X[0, ..., 0] = 255  # pure red
    X[1] = 255  # white
    X[2, ..., 2] = 100  # some blue
    grey = data.rgb2gray(X)
    assert grey.shape == (3, 32, 32, 1) and grey.dtype == np.float32
    assert grey[0, 0, 0, 0] == pytest.approx(0.299 * 255, abs=1e-4)
    assert grey[1, 7, 9, 0] == pytest.approx(255.0, abs=1e-3)
    assert grey[2, 0, 0, 0] == pytest.approx(11.4, abs=1e-4)
    norm = data.normalise(X)
    assert norm.dtype == np.float32 and norm.max() == 1.0 and norm.min() == 0.0
    assert data.normalise(grey)[0, 0, 0, 0] == pytest.approx(0.299, abs=1e-6)
    with pytest.raises(ValueError, match="3 colour channels"):
        data.rgb2gray(grey)
    with pytest.raises(ValueError, match=r"\(N, 32, 32, C\)"):
        data.rgb2gray(np.zeros((32, 32, 3)))
    with pytest.raises(ValueError, match="0..255"):
        data.normalise(np.full((1, 32, 32, 1), 300.0))


def test_split_sizes_match_the_paper():
    assert data.split_sizes(73_257) == (58_605, 14_652)
    assert data.split_sizes(10) == (8, 2)
    assert data.split_sizes(11) == (8, 3)  # the validation part is rounded up
    with pytest.raises(ValueError, match="between 0 and 1"):
        data.split_sizes(100, 1.0)


def test_train_val_split_is_a_seeded_partition():
    X = np.arange(1000).reshape(1000, 1, 1, 1)
    y = np.arange(1000)
    Xt, Xv, yt, yv = data.train_val_split(X, y, seed=3)
    assert (len(Xt), len(Xv)) == (800, 200)
    assert np.array_equal(Xt[:, 0, 0, 0], yt) and np.array_equal(Xv[:, 0, 0, 0], yv)
    assert sorted(np.concatenate([yt, yv]).tolist()) == list(range(1000))
    again = data.train_val_split(X, y, seed=3)
    assert np.array_equal(again[3], yv)
    assert not np.array_equal(data.train_val_split(X, y, seed=4)[3], yv)
    with pytest.raises(ValueError, match="1000 images but 999 labels"):
        data.train_val_split(X, y[:-1])


# ---------------------------------------------------------------- synthetic house numbers


def test_generator_is_deterministic_per_seed():
    X1, y1 = synthetic.synthetic_svhn(300, seed=5)
    X2, y2 = synthetic.synthetic_svhn(300, seed=5)
    X3, y3 = synthetic.synthetic_svhn(300, seed=6)
    assert X1.shape == (300, 32, 32, 3) and X1.dtype == np.uint8 and y1.dtype == np.int64
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3) and not np.array_equal(y1, y3)
    Xt, _ = synthetic.synthetic_svhn(300, seed=5, split="test")
    assert not np.array_equal(X1, Xt)
    # the first images do not depend on how many are asked for
    X4, y4 = synthetic.synthetic_svhn(2100, seed=5)
    assert np.array_equal(X4[:300], X1) and np.array_equal(y4[:300], y1)


def test_generator_looks_like_svhn():
    X, y = synthetic.synthetic_svhn(4000, seed=0)
    counts = synthetic.class_counts(y)
    assert counts.sum() == 4000 and set(np.unique(y)) == set(range(10))
    # SVHN's frequencies: about 19% ones, 14% twos, 6-7% zeros and nines
    assert counts[1] > counts[2] > counts[3] > counts[9]
    assert 0.16 < counts[1] / 4000 < 0.22
    # colourful, not binary: many distinct values, both dark and light backgrounds
    assert len(np.unique(X)) > 200
    corner = X[:, :3, :3].reshape(4000, -1).mean(axis=1)
    assert (corner < 80).mean() > 0.1 and (corner > 170).mean() > 0.1
    # the centre (the digit) differs from the background in most images
    centre = data.rgb2gray(X)[:, 10:22, 12:20, 0]
    assert (centre.std(axis=(1, 2)) > 8).mean() > 0.8


def test_generator_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown split"):
        synthetic.synthetic_svhn(3, split="valid")
    with pytest.raises(ValueError, match="non-negative"):
        synthetic.synthetic_svhn(-1)


# ---------------------------------------------------------------- download and cache


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        truncate = self.path.startswith("/broken")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if truncate else body)
        self.wfile.flush()
        if truncate:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler.files
    httpd.shutdown()
    httpd.server_close()
    _Handler.files.clear()


@pytest.fixture
def mat_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("src") / "train_32x32.mat"
    X, y = _images(20, seed=1), np.arange(20) % 10
    data.write_svhn_mat(path, X, y)
    return path.read_bytes(), X, y


def _files(folder):
    """Names in ``folder`` except the lock files the cache keeps beside its files."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def _entry(url, body, sha=None):
    sha = sha or hashlib.sha256(body).hexdigest()
    return data.SvhnFile("train", url, 20, len(body), sha)


def test_download_verifies_and_loads(server, mat_bytes, tmp_path, monkeypatch):
    monkeypatch.delenv("QBOOK_OFFLINE", raising=False)
    url, files = server
    body, X, y = mat_bytes
    files["/train_32x32.mat"] = body
    reg = {"train": _entry(url + "/train_32x32.mat", body)}
    out = data.load_svhn("train", data_dir=tmp_path, source="svhn", registry=reg)
    assert out.source == "svhn"
    assert np.array_equal(out.X, X) and np.array_equal(out.y, y)
    assert (tmp_path / "train_32x32.mat").read_bytes() == body
    sub = data.load_svhn("train", data_dir=tmp_path, source="auto", n=5, registry=reg)
    assert sub.source == "svhn" and len(sub.X) == 5
    assert np.array_equal(sub.X, X[data._subsample(20, 5, 0)])
    assert _files(tmp_path) == ["train_32x32.mat"]


def test_checksum_mismatch_raises_and_leaves_nothing(server, mat_bytes, tmp_path):
    url, files = server
    body = mat_bytes[0]
    files["/train_32x32.mat"] = body
    entry = _entry(url + "/train_32x32.mat", body, sha="0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        data.download(entry, tmp_path / "train_32x32.mat")
    assert _files(tmp_path) == []


def test_interrupted_download_leaves_no_file(server, mat_bytes, tmp_path):
    url, files = server
    body = mat_bytes[0]
    files["/broken/train_32x32.mat"] = body
    entry = _entry(url + "/broken/train_32x32.mat", body)
    with pytest.raises(ConnectionError, match="interrupted"):
        data.download(entry, tmp_path / "train_32x32.mat")
    assert _files(tmp_path) == []
    # load_svhn(source="auto") treats the failure as "not available" and says so
    reg = {"train": entry}
    out = data.load_svhn("train", data_dir=tmp_path, source="auto", n=3, registry=reg)
    assert out.source == "synthetic" and _files(tmp_path) == []


def test_corrupt_cached_file_is_fetched_again(server, mat_bytes, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("QBOOK_OFFLINE", raising=False)
    url, files = server
    body = mat_bytes[0]
    files["/train_32x32.mat"] = body
    reg = {"train": _entry(url + "/train_32x32.mat", body)}
    cached = tmp_path / "train_32x32.mat"
    cached.write_bytes(body[:-10] + b"0123456789")  # right size, wrong bytes
    path = data.fetch_svhn_file("train", tmp_path, reg)
    assert "damaged" in capsys.readouterr().out
    assert path == cached and cached.read_bytes() == body


def test_auto_falls_back_to_synthetic_offline_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QBOOK_OFFLINE", "1")
    out = data.load_svhn("test", data_dir=tmp_path, source="auto", n=40, seed=2)
    assert out.source == "synthetic" and out.X.shape == (40, 32, 32, 3)
    msg = capsys.readouterr().out
    assert "synthetic stand-in" in msg and msg.count("\n") == 1
    assert np.array_equal(out.X, synthetic.synthetic_svhn(40, seed=2, split="test")[0])
    with pytest.raises(FileNotFoundError, match="not cached"):
        data.load_svhn("test", data_dir=tmp_path, source="svhn")
    with pytest.raises(ValueError, match="unknown source"):
        data.load_svhn("test", source="real")
    with pytest.raises(ValueError, match="unknown split"):
        data.load_svhn("valid")


def test_cache_dir_follows_argument_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("QBOOK_DATA_DIR", str(tmp_path / "env"))
    assert data.cache_dir() == tmp_path / "env"
    assert data.cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("QBOOK_DATA_DIR")
    assert data.cache_dir().parts[-2:] == (".cache", "qbook")


def test_registry_has_the_official_files():
    assert [data.SVHN_FILES[s].n_images for s in data.SPLITS] == [73_257, 26_032, 531_131]
    assert data.SVHN_FILES["train"].url == "http://ufldl.stanford.edu/housenumbers/train_32x32.mat"
    assert data.SVHN_FILES["test"].size == 64_275_384
    assert sum(synthetic.SVHN_CLASS_COUNTS["train"]) == 73_257
    assert sum(synthetic.SVHN_CLASS_COUNTS["test"]) == 26_032


# ---------------------------------------------------------------- faults and concurrency (issue 11)


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``body`` in small slow chunks (a wide race window), optionally without a length."""

    body = b""
    with_length = True
    endless = False

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        if self.with_length:
            self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        try:
            if self.endless:
                while True:
                    self.wfile.write(b"\0" * 4096)
            for k in range(0, len(self.body), 8192):
                self.wfile.write(self.body[k : k + 8192])
                time.sleep(0.002)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server(mat_bytes):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    _SlowHandler.body, _SlowHandler.with_length, _SlowHandler.endless = mat_bytes[0], True, False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/train_32x32.mat", _SlowHandler
    httpd.shutdown()
    httpd.server_close()


def _fetch_and_read(folder, reg, start, queue):
    import contextlib
    import io

    start.wait()
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said):
            X, y = data.read_svhn_mat(data.fetch_svhn_file("train", folder, reg))
        queue.put(("ok", synthetic.data_checksum(X, y), "damaged" in said.getvalue()))
    except Exception as exc:  # noqa: BLE001 - the parent reports it
        queue.put(("error", f"{type(exc).__name__}: {exc}", False))


def test_two_processes_heal_a_damaged_cache_20_of_20(slow_server, mat_bytes, tmp_path, monkeypatch):
    import multiprocessing as mp

    monkeypatch.delenv("QBOOK_OFFLINE", raising=False)
    url, _ = slow_server
    body, X, y = mat_bytes
    reg = {"train": _entry(url, body)}
    want = synthetic.data_checksum(X, y)
    ctx = mp.get_context("fork")
    verified = 0
    for trial in range(20):
        folder = tmp_path / f"t{trial}"
        folder.mkdir()
        (folder / "train_32x32.mat").write_bytes(body[:-10] + b"0123456789")  # damaged
        start, queue = ctx.Event(), ctx.Queue()
        procs = [
            ctx.Process(target=_fetch_and_read, args=(folder, reg, start, queue)) for _ in "ab"
        ]
        for p in procs:
            p.start()
        start.set()
        outcomes = [queue.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert [o[:2] for o in outcomes] == [("ok", want)] * 2, f"trial {trial}: {outcomes}"
        assert sum(o[2] for o in outcomes) == 1  # exactly one process healed the cache
        assert _files(folder) == ["train_32x32.mat"]  # no .part left behind
        verified += 1
    assert verified == 20


def test_download_without_length_is_capped_at_the_registry_size(slow_server, mat_bytes, tmp_path):
    url, handler = slow_server
    handler.with_length, handler.endless = False, True  # an endless stream, no Content-Length
    entry = _entry(url, mat_bytes[0])
    with pytest.raises(ValueError, match=f"more than the registry's {entry.size} bytes") as err:
        data.download(entry, tmp_path / "train_32x32.mat")
    assert url in str(err.value) and "train_32x32.mat" in str(err.value)
    assert _files(tmp_path) == []


def test_download_has_an_overall_deadline(slow_server, mat_bytes, tmp_path):
    url, _ = slow_server
    with pytest.raises(TimeoutError, match="deadline") as err:
        data.download(_entry(url, mat_bytes[0]), tmp_path / "x.mat", deadline_s=0.01)
    assert url in str(err.value)
    assert _files(tmp_path) == []


def test_checksum_error_names_the_url_and_the_file(slow_server, mat_bytes, tmp_path):
    url, _ = slow_server
    entry = _entry(url, mat_bytes[0], sha="0" * 64)
    with pytest.raises(ValueError, match="SHA-256") as err:
        data.download(entry, tmp_path / "train_32x32.mat")
    assert url in str(err.value) and str(tmp_path / "train_32x32.mat") in str(err.value)
    assert ".part" not in str(err.value)


def test_stale_part_files_are_cleaned(slow_server, mat_bytes, tmp_path, monkeypatch):
    monkeypatch.delenv("QBOOK_OFFLINE", raising=False)
    url, _ = slow_server
    stale = tmp_path / ".train_32x32.mat.abc123.part"  # left by a SIGKILLed download
    stale.write_bytes(b"half")
    path = data.fetch_svhn_file("train", tmp_path, {"train": _entry(url, mat_bytes[0])})
    assert path.read_bytes() == mat_bytes[0]
    assert _files(tmp_path) == ["train_32x32.mat"]


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_offline_accepts_the_usual_true_words(monkeypatch, value):
    monkeypatch.setenv("QBOOK_OFFLINE", value)
    assert data.is_offline()


@pytest.mark.parametrize("value", ["", "0", "false", "No", "off"])
def test_offline_accepts_the_usual_false_words(monkeypatch, value):
    monkeypatch.setenv("QBOOK_OFFLINE", value)
    assert not data.is_offline()


def test_offline_refuses_other_words(monkeypatch):
    monkeypatch.setenv("QBOOK_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="QBOOK_OFFLINE"):
        data.is_offline()


def test_unreadable_mat_files_raise_value_error(tmp_path):
    empty = tmp_path / "empty.mat"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a readable MATLAB file"):
        data.read_svhn_mat(empty)
    v73 = tmp_path / "v73.mat"  # MATLAB 7.3 files are HDF5; scipy cannot read them
    v73.write_bytes(
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(116)
        + b"\0" * 12
        + b"\x00\x02IM"
        + b"\0" * 400
    )
    with pytest.raises(ValueError, match="not a readable MATLAB file"):
        data.read_svhn_mat(v73)
