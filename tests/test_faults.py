"""Faults a test can make (issue 20): a server on 127.0.0.1 that trickles or stalls, and a disk
that fills up (``RLIMIT_FSIZE`` in a subprocess)."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qbook.learning import data

SIZE = 4096


def _server(mode: str):
    """A one-thread HTTP server on 127.0.0.1: announces SIZE bytes, then sends one byte a
    second (``trickle``) or nothing (``stall``). Returns (url, stop)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve():
        conns = []
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            conns.append(conn)
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: x/y\r\n\r\n" % SIZE
            )

            def drip(c=conn):
                while not stop.is_set():
                    try:
                        if mode == "trickle":
                            c.sendall(b"x")
                    except OSError:
                        return
                    stop.wait(1.0)

            threading.Thread(target=drip, daemon=True).start()
        for c in conns:
            c.close()
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{srv.getsockname()[1]}/train_32x32.mat", stop.set


def _entry(url: str) -> data.SvhnFile:
    return data.SvhnFile("train", url, 3, SIZE, hashlib.sha256(b"x" * SIZE).hexdigest())


@pytest.mark.parametrize("mode", ["trickle", "stall"])
def test_download_deadline_holds_against_a_slow_server(tmp_path, mode):
    url, stop = _server(mode)
    dest = tmp_path / "train_32x32.mat"
    t0 = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match="deadline|no data"):
            data.download(_entry(url), dest, timeout=30, deadline_s=2)
    finally:
        stop()
    assert time.monotonic() - t0 < 2 + 2
    assert not dest.exists() and not list(tmp_path.glob("*.part"))


def test_load_svhn_auto_falls_back_within_the_deadline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QBOOK_OFFLINE", "0")
    fell_back = []
    real = data.synthetic_svhn

    def stand_in(n, **kw):  # the time of the fallback, not of drawing the images
        fell_back.append(time.monotonic())
        return real(1, **kw)[0].repeat(n, 0), np.zeros(n, np.int64)

    monkeypatch.setattr(data, "synthetic_svhn", stand_in)
    url, stop = _server("trickle")
    t0 = time.monotonic()
    try:
        ds = data.load_svhn(
            "train",
            data_dir=tmp_path,
            source="auto",
            n=3,
            registry={"train": _entry(url)},
            deadline_s=2,
        )
    finally:
        stop()
    assert fell_back[0] - t0 < 2 + 2
    assert ds.source == "synthetic" and len(ds.X) == 3
    assert "download failed" in capsys.readouterr().out


FULL_DISK = textwrap.dedent(
    """
    import json, resource, signal, sys
    from qbook.common.results import Recorder

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    rec = Recorder("99_full", directory=sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
    ok = 0
    for k in range(10_000):
        try:
            rec.add("e", "m", float(k), seed=k, note="x" * 37)
        except OSError as exc:
            print(json.dumps({"ok": ok, "error": str(exc)}))
            break
        ok += 1
    """
)


def test_a_full_disk_leaves_no_truncated_row_and_says_so(tmp_path):
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path), "5000"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "QBOOK_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "not recorded" in result["error"] and "disk full" in result["error"]
    lines = (tmp_path / "99_full.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line is a whole row
    assert len(rows) == result["ok"] > 0
    assert [r["seed"] for r in rows] == list(range(result["ok"]))
