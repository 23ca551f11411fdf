"""Throw bad inputs at every public qbook function and count what goes wrong (issue 11).

For each public function (no leading underscore, defined in its module) the script builds one
good call from a table of small valid arguments, then replaces one argument at a time with a
bad value: NaN, +-inf, None, a string, a complex number, an array with a NaN/inf/complex
entry, an empty or wrongly shaped array, a negative or fractional count, a bool. It counts

* **crashes**: an exception other than ValueError/TypeError,
* **silent**: a normal return for an input that is invalid for certain (NaN, inf, complex,
  None for a required argument, a string or a bool where a number belongs),
* **hangs**: a call that does not return within the per-call limit (a signal alarm inside,
  a watchdog that kills and restarts the worker outside, for hangs in C code).

Run: ``QBOOK_OFFLINE=1 PYTHONPATH=. .venv/bin/python benchmarks/fuzz_inputs.py [modules...]``
(``--list`` prints every finding). Each module runs in its own worker process.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODULES = (
    "learning.data learning.synthetic learning.data_plots common.results common.report "
    "common.profile common.env common.colab common.figures common.stats common.claims "
    "routing.qubo routing.qaoa routing.qaoa_tsp routing.minimal routing.minimal_solve "
    "routing.instances routing.classical routing.vrp_qubo routing.clustering routing.penalty "
    "routing.evaluation routing.generators routing.cvrp routing.local_search "
    "routing.tour_subspace routing.constrained_circuit routing.qaoa_constrained common.cache "
    "learning.cnn learning.qcnn learning.qml learning.hybrid"
).split()
HERE = Path(__file__).resolve().parent
#: Workers run here, so files the bad calls create land outside the repository.
SCRATCH = tempfile.mkdtemp(prefix="qbook-fuzz-cwd-")
CALL_LIMIT_S = 20  # a hang is a call that takes longer (the machine may be busy)
STALL_LIMIT_S = 60  # the watchdog: no word from the worker for this long
STARTUP_LIMIT_S = 600  # ... except before its first word (imports, good arguments; busy CPUs)
WORKER_RETRIES = 3  # a worker killed from outside (the OOM killer) starts again
#: Functions not called: they need a network, restart the kernel or start an interactive UI.
SKIP = {
    "qbook.common.env.import_tensorflow",
    # a whole quantum CVRP run (minutes); its input checks are in tests/test_props_routing.py
    "qbook.routing.cvrp.end_to_end",
}
#: Parameters whose value does not matter for input checking (plot axes, callbacks, ...).
#: Inputs the fuzzer marks as surely invalid that a function documents as valid.
LEGIT = {
    ("qbook.routing.qaoa.sample", "state_or_probs=complex-array"),
    ("qbook.routing.qaoa.expectation", "state=complex-array"),
    ("qbook.routing.minimal.probabilities", "state=complex-array"),
    ("qbook.routing.minimal.minimal_cost", "state=complex-array"),
    ("qbook.routing.minimal.minimal_cost_projectors", "state=complex-array"),
    ("qbook.routing.minimal.sample_shots", "state=complex-array"),
    ("qbook.common.report.format_mean_sd", "sd=None"),  # a single run: no spread
    ("qbook.common.report.format_mean_sd", "sd=nan"),
    ("qbook.common.report.format_versions", "versions=None"),  # a row without versions
    ("qbook.learning.cnn.build_cnn", "seed=None"),  # documented: no seeding
    ("qbook.routing.instances.cost_text", "value=None"),  # documented: "n/a"
    ("qbook.routing.instances.gap_text", "cost=None"),
    ("qbook.routing.instances.gap_text", "best=None"),
    ("qbook.learning.cnn.build_logreg", "seed=None"),
    ("qbook.learning.qcnn.uniform_angles", "seed=None"),  # documented: unseeded
}
FREE = {"dtype", "ax", "title", "label", "color", "banner", "kwargs", "config", "pip", "restart"}


class Hang(Exception):
    pass


def _alarm(*_):
    raise Hang()


# --------------------------------------------------------------------------------------------
# Good arguments
# --------------------------------------------------------------------------------------------


def _claims_args(tmp) -> dict:
    """Good calls of qbook.common.claims: one claim, its rows, one measurement."""
    import pandas as pd

    from qbook.common import claims

    c = next(c for c in claims.CLAIMS if c.key == "ganguly-qcnn")
    lk = c.measure
    rows = pd.DataFrame(
        [
            dict(
                chapter=lk.chapter,
                experiment=lk.experiment,
                metric=lk.metric,
                value=v,
                seed=s,
                data_source="excitations",
                profile="small",
                n=None,
                origin=claims.BUILD,
            )
            for s, v in enumerate((0.9, 0.95))
        ]
    )
    m = claims.measure(rows, lk)
    (tmp / "rows.json").write_text('[{"chapter": "c", "value": 1.0}]')
    (tmp / "rows.jsonl").write_text('{"chapter": "c", "value": 1.0}\n')
    return {
        "claims.load_origins": dict(build_dir=tmp, bench_dir=tmp),
        "claims.measure": dict(df=rows, lk=lk),
        "claims.verdict": dict(claim=c, m=m),
        "results.read_json_rows": dict(path=tmp / "rows.json"),
        "results.read_jsonl_rows": dict(path=tmp / "rows.jsonl"),
        "claims.ledger": dict(df=rows, claims=[c]),
    }


def _constrained_args(D4, tmp: Path) -> dict:
    """Good calls of the tour-subspace modules (chapter 10) and of qbook.common.cache."""
    import numpy as np

    from qbook.routing import tour_subspace

    space = tour_subspace.tour_space(D4)
    circ = dict(D=D4, gammas=[0.1], betas=[0.2])
    return {
        "tour_subspace.check_space": dict(space=space),
        "tour_subspace.cost_and_grad": dict(space=space, theta=[0.1, 0.2]),
        "tour_subspace.initial_state": dict(space=space),
        "tour_subspace.subspace_state": dict(space=space, gammas=[0.1], betas=[0.2]),
        "tour_subspace.swap_table": dict(m=3),
        "tour_subspace.bytes_text": dict(n_bytes=2**20),
        "constrained_circuit.constrained_circuit": circ,
        "constrained_circuit.circuit_state": dict(D=D4, circuit=_circuit(circ)),
        "constrained_circuit.embed_state": dict(space=space, psi=np.full(6, 6**-0.5, complex)),
        "constrained_circuit.mixer_operations": dict(n=3, t=0, beta=0.2, qubits=_qubits(9)),
        "constrained_circuit.swap_term_paulis": dict(qubits=_qubits(4)),
        "qaoa_constrained.optimize_angles": dict(space=space, p=1, maxiter=5, grid=2),
        "qaoa_constrained.transfer_angles": dict(sizes=[3], seeds=[0], p=1),
        "qaoa_constrained.constrained_tsp": dict(D=D4, p=1, shots=10, maxiter=5),
        "cache.atomic_write": dict(
            path=tmp / "atomic.txt", write=lambda p: Path(p).write_text("x")
        ),
        "cache.damaged": dict(what="a cache", path=tmp / "atomic.txt", exc=ValueError("x")),
    }


def _circuit(kwargs):
    from qbook.routing import constrained_circuit

    return constrained_circuit.constrained_circuit(**kwargs)


def _qubits(n):
    import cirq

    return cirq.LineQubit.range(n)


def good_args(modname: str = "") -> dict:
    """Small valid arguments by parameter name, and per-function overrides."""
    import cirq
    import numpy as np
    import pandas as pd

    from qbook.common.profile import get_profile
    from qbook.routing import clustering, instances, vrp_qubo

    inst = instances.read_instance("P-n16-k8")
    D4 = inst.D[:4, :4].astype(float)
    Q3 = np.array([[1.0, -2.0, 0.5], [0.0, -1.0, 1.0], [0.0, 0.0, 2.0]])
    h3, J3 = np.array([0.5, -1.0, 0.25]), np.triu(np.ones((3, 3)), 1)
    qubits4 = cirq.GridQubit.rect(1, 4)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(6, 32, 32, 3)).astype(np.uint8)
    gray = rng.uniform(0, 1, size=(6, 32, 32, 1)).astype(np.float32)
    df = pd.DataFrame(
        [
            dict(
                chapter="c",
                experiment=e,
                metric="m",
                unit="",
                value=float(v),
                seed=s,
                data_source="synthetic",
                profile="small",
                versions="numpy 2",
                hardware="cpu",
                date="2026-01-01T00:00:00+00:00",
            )
            for e in ("a", "b")
            for s, v in enumerate((1, 2))
        ]
    )
    by_name = dict(
        D=D4,
        Q=Q3,
        h=h3,
        J=J3,
        c=0.0,
        offset=0.0,
        x=np.array([1, 0, 1]),
        s=np.array([1, -1, 1]),
        n=3,
        n_c=3,
        layers=1,
        theta=np.zeros(3),
        state=np.full(4, 0.5, complex),
        shots=10,
        samples=20,
        p1=np.array([0.2, 0.7, 0.5]),
        counts=np.array([5, 3, 2, 0, 1, 4, 0, 0]),
        diag=np.arange(8.0),
        probs=np.full(8, 1 / 8),
        alpha=0.5,
        energies=np.arange(5.0),
        gammas=[0.1],
        betas=[0.2],
        p=1,
        p_max=1,
        restarts=1,
        maxiter=5,
        seed=0,
        qubits=None,
        tour=[2, 1, 3],
        customers=[1, 2, 3],
        n_customers=3,
        n_nodes=4,
        routes=[[1, 2], [3]],
        inst=inst,
        inst_or_coords=inst,
        demands=inst.demands,
        capacity=int(inst.capacity),
        n_vehicles=8,
        n_routes=2,
        n_steps=2,
        coords=inst.coords,
        X=imgs,
        y=np.arange(6) % 10,
        images=gray[..., 0][:, :4, :4],
        image=imgs[0],
        gray=gray,
        size=4,
        threshold=0.5,
        learning_rate=0.01,
        epochs=1,
        batch_size=4,
        n_qubits=4,
        memory_bytes=2**20,
        copies=1.0,
        n_reads=3,
        n_sweeps=3,
        numbers=[1.0, 2.0, 3.0],
        edges=[(0, 1), (1, 2)],
        mean=1.0,
        sd=0.5,
        values=[1.0, 2.0],
        digits=3,
        df=df,
        table=df,
        rows=df.to_dict("records"),
        versions="numpy 2",
        chapter="c",
        metric="m",
        min_experiments=2,
        y_true=np.array([0, 1, 1]),
        y_pred=np.array([0, 1, 0]),
        n_classes=10,
        k=2,
        proba=np.full((3, 10), 0.1),
        cm=np.eye(10, dtype=int),
        idx=[0, 1],
        ncols=2,
        name="E-n13-k4",
        path_or_name="E-n13-k4",
        iterations=200,
        method="sweep",
        cost=5.0,
        c_opt=4.0,
        c_max=10.0,
        mean_energy=1.0,
        e_min=0.0,
        e_max=2.0,
        n_features=4,
        hidden=2,
        n_params=10,
        n_gates=2,
        patch=[0.1, 0.2, 0.3, 0.4],
        classes=(3, 5),
        learning=False,
        py=(3, 11),
        split="train",
        source="synthetic",
        val_fraction=0.2,
        chunk=4096,
        max_routes=None,
        clusters=[[1, 2, 3], [4, 5, 6]],
        optimum=1.0,
        upper=4.0,
        iters=2,
        penalties=[1.0, 2.0],
        n_inputs=16,
        rows_=4,
        input_shape=(32, 32, 1),
        tensorflow=False,
        quantum=False,
        symmetric=True,
        capacity_bits=0,
        max_per_route=None,
        start=0,
        reverse=False,
        node_limit=1000,
        max_passes=2,
        improve=False,
        init_scale=0.1,
        x_star=(1, 1, 1, 0),
        max_vars=26,
        n_filters=1,
        dense_units=(4,),
        filters=(2,),
        rtol=1e-9,
        atol=1e-9,
        tol=1e-9,
        beta_range=None,
        data_source="synthetic",
        profile="small",
        columns=(8, 24),
        prefix="q",
        n_rounds=2,
        train_fraction=0.7,
        repeats=1,
        n_distinct_samples=1,
    )
    by_name["qubits_circuit"] = qubits4
    from qbook.routing import qubo

    def build(a):
        Q, off = vrp_qubo.tsp_qubo(D4, a)
        return Q, off, lambda X: (vrp_qubo.tsp_valid(X, 4), qubo.qubo_energy(Q, X, off))

    from qbook.learning import data

    tmp = Path(tempfile.mkdtemp(prefix="qbook-fuzz-"))
    mat = tmp / "small_32x32.mat"
    data.write_svhn_mat(mat, imgs, np.arange(6) % 10)
    entry = data.SvhnFile("train", mat.as_uri(), 6, mat.stat().st_size, data.sha256_of(mat))
    from qbook.routing import qaoa

    circ, gs, bs = qaoa.qaoa_circuit(h3, J3, 1)
    for f in ("qaoa.qsim_state", "qaoa.cirq_state"):
        by_f = dict(circuit=circ, gammas_sym=gs, betas_sym=bs, gammas=[0.1], betas=[0.2])
        by_name[f] = by_f
    over = {
        "qaoa.qsim_state": by_name.pop("qaoa.qsim_state"),
        "qaoa.cirq_state": by_name.pop("qaoa.cirq_state"),
        "qubo.qubo_energy": dict(Q=Q3, x=[1, 0, 1]),
        "qubo.check_ising": dict(h=h3, J=J3),
        "qubo.ising_energy": dict(h=h3, J=J3, c=0.0, s=[1, -1, 1]),
        "qubo.to_pauli_sum": dict(h=h3, J=J3, c=0.0, qubits=cirq.LineQubit.range(3)),
        "qubo.qubo_to_pauli_sum": dict(Q=Q3, offset=0.0, qubits=cirq.LineQubit.range(3)),
        "qubo.maxcut_qubo": dict(n_nodes=3, edges=[(0, 1), (1, 2)], weights=[1.0, 2.0]),
        "qaoa.qaoa_circuit": dict(h=h3, J=J3, p=1),
        "qaoa.cost_layer": dict(h=h3, J=J3, gamma=0.3, qubits=cirq.LineQubit.range(3)),
        "qaoa.numpy_state": dict(diag=np.arange(8.0), gammas=[0.1], betas=[0.2]),
        "qaoa.expectation": dict(diag=np.arange(8.0), state=np.full(8, 8**-0.5, complex)),
        "qaoa.sample": dict(state_or_probs=np.full(8, 1 / 8), shots=5),
        "qaoa.landscape": dict(diag=np.arange(8.0), gammas=[0.1, 0.2], betas=[0.3]),
        "qaoa.optimize": dict(diag=np.arange(8.0), p_max=1, restarts=1, maxiter=5),
        "qaoa_tsp.tour_index": dict(tour=[2, 1, 3], n_customers=3),
        "qaoa_tsp.tsp_problem": dict(D=D4),
        "qaoa_tsp.statevector_bytes": dict(n_qubits=4),
        "minimal.probabilities": dict(state=np.full(8, 8**-0.5), n_c=4),
        "minimal.minimal_cost": dict(Q=np.eye(4), state=np.full(8, 8**-0.5)),
        "minimal.minimal_cost_projectors": dict(Q=np.eye(4), state=np.full(8, 8**-0.5)),
        "minimal.ansatz_state": dict(theta=np.zeros(6), n_c=4, layers=1),
        "minimal.cost_and_grad": dict(theta=np.zeros(6), Q=np.eye(4), layers=1),
        "minimal.grad_parameter_shift": dict(theta=np.zeros(6), Q=np.eye(4), layers=1),
        "minimal.sample_shots": dict(state=np.full(8, 8**-0.5), shots=10),
        "minimal.probabilities_from_shots": dict(counts=np.array([5, 3, 2, 0, 1, 4, 0, 0]), n_c=4),
        "minimal.cost_from_shots": dict(Q=np.eye(4), counts=np.array([5, 3, 2, 0, 1, 4, 0, 0])),
        "minimal.best_of_samples": dict(Q=np.eye(3), p1=[0.2, 0.7, 0.5], samples=10),
        "minimal.sample_candidates": dict(Q=np.eye(3), p1=[0.2, 0.7, 0.5], samples=10),
        "minimal.check_qubo": dict(Q=Q3),
        "minimal.energies": dict(Q=Q3, X=np.array([[1, 0, 1], [0, 1, 1]])),
        "minimal.product_probability": dict(p1=[0.2, 0.7, 0.5], x=[1, 0, 1]),
        "minimal.solve": dict(Q=np.eye(4), layers=1, restarts=1, samples=10, maxiter=5),
        "vrp_qubo.decode_tour": dict(x=np.eye(3).ravel(), n_nodes=4),
        "vrp_qubo.tsp_valid": dict(X=np.eye(3).ravel()[None], n_nodes=4),
        "vrp_qubo.encode_tour": dict(tour=[2, 1, 3], n_nodes=4),
        "classical.held_karp": dict(D=D4),
        "vrp_qubo.count_variables": dict(n_customers=3, n_routes=2),
        "vrp_qubo.cvrp_default_penalty": dict(D=D4, n_vehicles=2, n_steps=2),
        "vrp_qubo.cvrp_qubo": dict(D=D4, demands=[0, 1, 1, 1], capacity=2, n_vehicles=2),
        "vrp_qubo.cvrp_brute_force": dict(D=D4, demands=[0, 1, 1, 1], capacity=2, n_vehicles=2),
        "vrp_qubo.max_route_length": dict(demands=[0, 1, 1, 1], capacity=2),
        "vrp_qubo.slack_bits": dict(capacity=6),
        "clustering.sweep_clusters": dict(
            coords=inst.coords, demands=inst.demands, capacity=int(inst.capacity)
        ),
        "clustering.mip_clusters": dict(
            D=inst.D,
            demands=inst.demands,
            capacity=int(inst.capacity),
            n_vehicles=8,
            node_limit=1000,
        ),
        "clustering.improve_clusters": dict(
            D=inst.D,
            clusters=clustering.cluster(inst),
            demands=inst.demands,
            capacity=int(inst.capacity),
            max_passes=2,
        ),
        "instances.check_solution": dict(inst=inst, routes=inst.best_routes),
        "instances.check_cvrp": dict(D=D4, demands=[0, 1, 1, 1], capacity=2, n_vehicles=2),
        "instances.plot_routes": dict(inst=inst, routes=inst.best_routes),
        "penalty.smallest_working_penalty": dict(build=build, optimum=69.0, upper=120.0, iters=2),
        "instances.best_cost_from_comment": dict(comment="Optimal value: 211"),
        "instances.cost_text": dict(value=3.0),
        "instances.gap_text": dict(cost=3.0, best=2.0),
        "vrp_qubo.likely_tour": dict(p1=np.full(9, 0.5), n_nodes=4),
        "evaluation.random_search_probability": dict(n_tours=6, n_optimal=2, n_tried=3),
        "evaluation.minimal_tsp_trial": dict(
            D=D4, seed=0, layers=1, restarts=1, samples=10, maxiter=5, anneal=0
        ),
        "cvrp.route_settings": dict(section=get_profile("small").cvrp),
        "cvrp.split_clusters": dict(inst=instances.read_instance("E-n13-k4")),
        "penalty.penalty_study": dict(
            build=build, optimum=1.0, penalties=[1.0], n_reads=2, n_sweeps=2
        ),
        "classical.two_opt": dict(D=D4, tour=[2, 1, 3]),
        "classical.check_tour": dict(tour=[2, 1, 3], n_nodes=4),
        "cvrp.repair_tour": dict(x=np.eye(3).ravel(), n_customers=3, D=D4),
        "cvrp.quantum_route": dict(D_full=inst.D, customers=[1, 2], qaoa_shots=10, constrained_p=1),
        "local_search.window_matrix": dict(D=D4, tour=[2, 1, 3], start=1, width=2),
        "local_search.window_starts": dict(n=5, width=3, stride=2),
        "local_search.best_random_order": dict(D=D4, shots=10, seed=0),
        "local_search.local_search": dict(D=D4, solver="null", width=2, shots=10),
        "cvrp.quantum_two_phase": dict(
            inst=inst,
            clusters=clustering.cluster(inst),
            qaoa_shots=10,
            constrained_p=1,
            samples=10,
            restarts=1,
        ),
        "data.split_sizes": dict(n=10, val_fraction=0.2),
        "data.read_svhn_mat": dict(path=mat),
        "data.write_svhn_mat": dict(path=tmp / "out.mat", X=imgs, y=np.arange(6)),
        "data.verify_file": dict(path=mat, entry=entry),
        "data.download": dict(entry=entry, dest=tmp / "dl" / "small_32x32.mat"),
        "data.fetch_svhn_file": dict(
            split="train", folder=tmp / "fetch", registry={"train": entry}
        ),
        "synthetic.synthetic_svhn": dict(n=3),
        "data.load_svhn": dict(n=3, source="synthetic"),
        "data.format_array": dict(X=np.zeros((32, 32, 3, 2), np.uint8)),
        "data.fix_label": dict(y=np.array([1, 10, 3])),
        "synthetic.class_counts": dict(y=np.array([0, 1, 9])),
        "data_plots.show_images": dict(X=imgs, y=np.arange(6), idx=[0, 1], ncols=2),
        "data_plots.plot_preprocessing": dict(X=imgs, y=np.arange(6), idx=[0]),
        "data_plots.explorer": dict(X=imgs, y=np.arange(6)),
        "data.train_val_split": dict(X=imgs, y=np.arange(6)),
        "synthetic.data_checksum": dict(X=imgs, y=np.arange(6)),
        "report.format_mean_sd": dict(mean=1.0, sd=0.5, n=3),
        "report.mean_sd": dict(values=[1.0, 2.0]),
        "report.plot_metric": dict(df=df, chapter="c", metric="m"),
        "report.summarise": dict(df=df),
        "report.compact_versions": dict(versions="numpy 2.0, scipy 1.1"),
        "report.styled_ledger": dict(ledger=pd.DataFrame({"claim": ["a"], "verdict": ["holds"]})),
        **_claims_args(tmp),
        "cnn.one_hot": dict(y=np.array([0, 3, 9])),
        "cnn.confusion_matrix": dict(y_true=[0, 1, 1], y_pred=[0, 1, 0]),
        "cnn.worst_mistakes": dict(proba=np.full((3, 10), 0.1), y_true=[0, 1, 2], k=2),
        "cnn.plot_mistakes": dict(
            X=imgs, y_true=np.arange(6), proba=np.full((6, 10), 0.1), idx=[0, 1], ncols=2
        ),
        "cnn.mean_sd": dict(values=[0.5, 0.6]),
        "cnn.weights_key": dict(name="m", data_source="synthetic", profile="small", seed=0),
        "cnn.plot_histories": dict(histories={"a": [{"accuracy": [0.1, 0.2]}]}),
        "qcnn.excitation_label": dict(theta=np.array([0.1, 2.0])),
        "qcnn.excitation_data": dict(qubits=qubits4, n_rounds=2),
        "qcnn.uniform_angles": dict(seed=0),
        "qml.downsample": dict(images=gray[..., 0], size=4),
        "qml.binarize": dict(images=gray[..., 0][:, :4, :4], threshold=0.5),
        "qml.fix_polarity": dict(gray=gray[..., 0]),
        "qml.prepare_images": dict(gray=gray),
        "qml.select_classes": dict(X=imgs, y=np.array([3, 5, 1, 3, 5, 2]), classes=(3, 5)),
        "qml.remove_contradictions": dict(X=np.zeros((4, 4, 4)), y=np.array([0, 0, 1, 1])),
        "qml.distinct_with_weights": dict(X=np.zeros((4, 4, 4)), y=np.array([0, 0, 0, 1])),
        "qml.pattern_lookup_accuracy": dict(
            X_train=np.zeros((2, 4, 4)), y_train=[0, 0], X_test=np.zeros((1, 4, 4)), y_test=[0]
        ),
        "qml.encode_image": dict(image=np.eye(4)),
        "qml.encode_images": dict(images=np.eye(4)[None]),
        "qml.hinge_labels": dict(y=np.array([0, 1, 1])),
        "hybrid.image_patches": dict(images=gray[..., 0][:, :4, :4]),
        "hybrid.quanv_features": dict(images=gray[..., 0][:2, :4, :4], n_gates=2),
        "hybrid.random_conv_features": dict(images=gray[..., 0][:2, :4, :4]),
        "hybrid.cached_quanv_features": dict(
            images=gray[..., 0][:2, :4, :4], n_gates=2, cache_dir=tempfile.mkdtemp()
        ),
        "hybrid.hidden_for_budget": dict(n_features=4, n_params=40),
        "hybrid.build_quanv_head": dict(input_shape=(2, 2, 4)),
        "hybrid.build_hybrid_model": dict(qubits=cirq.GridQubit.rect(1, 8)),
        "qcnn.build_qcnn_model": dict(qubits=cirq.GridQubit.rect(1, 8)),
        "qcnn.cluster_state_circuit": dict(qubits=qubits4),
        "qcnn.qcnn_circuit": dict(qubits=cirq.GridQubit.rect(1, 8)),
        "qcnn.filter_circuit": dict(qubits=cirq.GridQubit.rect(1, 8)),
        "qcnn.quantum_conv_circuit": dict(qubits=qubits4, symbols=list(range(15))),
        "qcnn.quantum_pool_circuit": dict(
            sources=qubits4[:2], sinks=qubits4[2:], symbols=list(range(6))
        ),
        "qcnn.one_qubit_unitary": dict(qubit=qubits4[0], symbols=[0.1, 0.2, 0.3]),
        "qcnn.two_qubit_unitary": dict(qubits=qubits4[:2], symbols=list(range(15))),
        "qcnn.two_qubit_pool": dict(source=qubits4[0], sink=qubits4[1], symbols=list(range(6))),
        "qcnn.circuit_symbols": dict(circuit=cirq.Circuit()),
        "qcnn.to_tensor": dict(circuits=[cirq.Circuit()]),
        "hybrid.pauli_features": dict(circuits=[cirq.Circuit(cirq.X(qubits4[0]))], qubits=qubits4),
        "hybrid.stabiliser_features": dict(
            circuits=[cirq.Circuit(cirq.X(qubits4[0]))], qubits=qubits4
        ),
        "hybrid.quanv_random_layer": dict(n_gates=2),
        "hybrid.quanv_circuit": dict(n_gates=2),
        "colab.colab_setup": dict(
            learning=False, pip=lambda a: None, restart=lambda: None, version_info=(3, 11)
        ),
        "colab.qbook_requirement": dict(learning=False),
        "colab.first_cell": dict(learning=False),
        "colab.tfq_runtime": dict(py=(3, 11)),
        "data.cache_dir": dict(path="/tmp/x"),
        "data.sha256_of": dict(path=__file__),
        "profile.get_profile": dict(name="small"),
        "env.one_blas_thread": dict(func=len),
        "env.seed_everything": dict(seed=0),
        "env.setup": dict(tensorflow=False, seed=0, banner=False),
        "env.versions": dict(tensorflow=False),
        "results.load_results": dict(),
        **_constrained_args(D4, tmp),
    }
    if modname.rsplit(".", 1)[-1] in ("cnn", "qcnn", "qml", "hybrid"):
        over.update(learning_args(imgs, tmp))
    return by_name, over


def learning_args(imgs, tmp: Path) -> dict:
    """Good calls that need a Keras model (built only in the learning modules' workers)."""
    import cirq
    import numpy as np

    from qbook.learning import cnn, qcnn, qml

    X = (imgs[..., :1] / 255.0).astype(np.float32)
    y = np.arange(len(X)) % 10
    model = cnn.build_logreg()
    weights = tmp / "m.weights.h5"
    cnn.save_model_weights(model, weights, {"loss": [1.0]})
    x16 = np.eye(16)[:4].astype(np.float32)
    y16 = np.array([1.0, -1.0, 1.0, -1.0], np.float32)
    dense = qml.build_dense_model()
    circuits = [cirq.Circuit()] * 4
    return {
        "cnn.train": dict(model=model, X=X, y=y, epochs=1, batch_size=4),
        "cnn.evaluate": dict(model=model, X=X, y=y),
        "cnn.save_model_weights": dict(model=model, path=tmp / "s.weights.h5"),
        "cnn.load_model_weights": dict(model=model, path=weights),
        "cnn.train_or_load": dict(
            build=cnn.build_logreg,
            name="m",
            X=X,
            y=y,
            epochs=1,
            batch_size=4,
            seed=0,
            data_source="synthetic",
            profile="small",
            cache=tmp / "w",
        ),
        "qml.n_params": dict(model=dense),
        "qml.fit_eval": dict(
            name="d",
            model=dense,
            x=x16,
            y=y16,
            x_test=x16,
            y_test=y16,
            seed=0,
            epochs=1,
            batch_size=2,
        ),
        "qml.time_epoch": dict(model=dense, x=x16, y=y16, batch_size=2),
        "qml.compare_epoch_times": dict(
            make_model=qml.build_dense_model,
            full=(x16, y16),
            distinct=(x16, y16, np.ones(4, np.float32)),
            batch_size=2,
            repeats=1,
        ),
        "qcnn.train_model": dict(
            make_model=lambda s: qml.build_dense_model(seed=s),
            x_train=x16,
            y_train=y16,
            x_val=x16,
            y_val=y16,
            seed=0,
            epochs=1,
            batch_size=2,
        ),
        "qcnn.plot_histories": dict(
            results=[qcnn.TrainResult(0, {"val_hinge_accuracy": [0.5, 0.6]}, 0.6, 1.0, 3)]
        ),
        "qcnn.hinge_accuracy": dict(y_true=y16, y_pred=y16),
        "hybrid.quantum_param_count": dict(model=dense),
        "qcnn.to_tensor": dict(circuits=circuits),
    }


def good_call(qualname: str, func, by_name: dict, over: dict):
    """Keyword arguments of one valid call, or None when no table entry covers a parameter."""
    short = ".".join(qualname.split(".")[-2:])  # "module.function", without the package
    kwargs = dict(over.get(short, {}))
    for p in inspect.signature(func).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in kwargs:
            continue
        if p.default is not p.empty:
            continue
        if p.name not in by_name:
            return None
        kwargs[p.name] = by_name[p.name]
    return kwargs


# --------------------------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------------------------


def mutations(name: str, good, has_default: bool, default):
    """(label, bad value, surely_invalid) for one parameter with a good value ``good``."""
    import numpy as np

    nan, inf = float("nan"), float("inf")
    out = []
    required = not has_default or default is not None
    if required:
        out.append(("None", None, True))
    if isinstance(good, bool) or isinstance(good, np.bool_):
        out.append(("str", "x", False))
        return out
    if isinstance(good, (int, float, np.integer, np.floating)):
        out += [
            ("nan", nan, True),
            ("inf", inf, True),
            ("-inf", -inf, True),
            ("complex", 1 + 1j, True),
            ("str", "x", True),
            ("bool", True, False),
            ("neg", -1, False),
            ("zero", 0, False),
        ]
        if isinstance(good, (int, np.integer)):
            out.append(("frac", 2.5, False))
        return out
    arr = None
    if isinstance(good, np.ndarray) and good.dtype.kind in "iuf" and good.size:
        arr = good
    elif (
        isinstance(good, (list, tuple))
        and good
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in good)
    ):
        arr = np.asarray(good)
    if arr is not None:
        for label, v in (("nan-entry", nan), ("inf-entry", inf)):
            b = arr.astype(float).copy()
            b.flat[0] = v
            out.append((label, b, True))
        out.append(("complex-array", arr.astype(complex) + 1j, True))
        out.append(("str", "x", True))
        out.append(("empty", np.zeros((0,) * max(arr.ndim, 1)), False))
        out.append(("extra-dim", arr[None, None], False))
        if arr.dtype.kind in "iu":
            b = arr.astype(np.int64)
            b.flat[0] = -1
            out.append(("neg-entry", b, False))
        return out
    if isinstance(good, str):
        out += [("number", 12, False), ("unknown", "no-such-thing", False)]
        return out
    out.append(("str", "x", False))
    return out


# --------------------------------------------------------------------------------------------
# Generated bad inputs (issue 20): drawn, not listed
# --------------------------------------------------------------------------------------------


class RandomPick:
    """The choices :func:`generated_bad` makes, from ``random.Random(seed)`` (the fuzzer's
    fresh inputs; the property tests make the same choices with hypothesis)."""

    def __init__(self, seed: int) -> None:
        import random

        self.r = random.Random(seed)

    def choice(self, seq):
        return seq[self.r.randrange(len(seq))]

    def integer(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def floating(self) -> float:
        """Any finite float, of any size and sign."""
        return self.r.choice((-1, 1)) * 10 ** self.r.uniform(-320, 308) * self.r.random()


def _is_number(v) -> bool:
    import numpy as np

    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_)
    )


def _numeric_array(good):
    """``good`` as a numeric ndarray when it is an array or a flat list/tuple of numbers."""
    import numpy as np

    if isinstance(good, np.ndarray) and good.dtype.kind in "iuf" and good.size:
        return good
    if isinstance(good, (list, tuple)) and good and all(_is_number(v) for v in good):
        return np.asarray(good)
    return None


def _scalar_wrappers():
    import numpy as np

    return (float, np.float64, np.float32, np.array)


def _malformed_file(good_path: Path, pick) -> Path:
    """A copy of a good input file with its text damaged in a drawn way."""
    raw = good_path.read_bytes() if good_path.is_file() else b""
    how = pick.choice(("empty", "truncate", "junk-line", "bytes", "swap-number", "duplicate"))
    lines = raw.split(b"\n")
    if how == "empty":
        raw = b""
    elif how == "truncate":
        raw = raw[: pick.integer(0, max(len(raw) - 1, 0))]
    elif how == "junk-line" and lines:
        k = pick.integer(0, len(lines) - 1)
        lines[k] = pick.choice((b"nan nan", b"-1 -19", b"\xff\xfe", b"{", b"1e999", b"x : y"))
        raw = b"\n".join(lines)
    elif how == "duplicate" and lines:
        k = pick.integer(0, len(lines) - 1)
        raw = b"\n".join(lines[: k + 1] + lines[k:])
    elif how == "swap-number":
        import re

        nums = list(re.finditer(rb"-?\d+(\.\d+)?", raw))
        if nums:
            m = pick.choice(nums)
            new = pick.choice((b"-7", b"0", b"nan", b"1e400", b"99999999999999999999", b"2.5"))
            raw = raw[: m.start()] + new + raw[m.end() :]
    else:
        raw = bytes(pick.integer(0, 255) for _ in range(pick.integer(1, 64)))
    out = Path(tempfile.mkdtemp(prefix="qbook-fuzz-file-")) / good_path.name
    out.write_bytes(raw)
    return out


def generated_bad(good, required: bool, pick):
    """One drawn bad value for a parameter whose valid value is ``good``: ``(label, value,
    surely_invalid)``. The classes: None, NaN and inf (Python, NumPy and 0-d), complex, bool
    as a number, strings, huge and negative integers, non-integral floats, wrong types, and for
    arrays an entry made NaN/inf/complex/None, a string or object dtype, a wrong shape, a
    ragged list; for files, damaged file text."""
    import numpy as np

    nan, inf = float("nan"), float("inf")
    if isinstance(good, (bool, np.bool_)):
        kinds = ["str", "number", "none"]
    elif _is_number(good):
        kinds = ["nan", "inf", "complex", "bool", "str", "huge", "neg", "wrong-type", "none"]
        if isinstance(good, (int, np.integer)):
            kinds.append("frac")
    elif _numeric_array(good) is not None:
        kinds = ["nan-entry", "complex-entry", "none-entry", "str-dtype", "shape", "ragged"]
        kinds += ["huge-entry", "neg-entry", "bool-array", "scalar", "none"]
    elif isinstance(good, Path) or (isinstance(good, str) and os.path.isfile(good)):
        kinds = ["file", "none", "number"]
    elif isinstance(good, str):
        kinds = ["number", "bytes", "text", "none"]
    else:
        kinds = ["str", "number", "none"]
    kind = pick.choice(kinds)
    if kind == "none":
        return "None", None, required
    if kind in ("nan", "inf"):
        v = nan if kind == "nan" else pick.choice((inf, -inf))
        return kind, pick.choice(_scalar_wrappers())(v), True
    if kind == "complex":
        wrap = pick.choice((complex, np.complex128, np.array))
        return kind, wrap(complex(pick.floating(), pick.choice((1.0, -0.5, pick.floating())))), True
    if kind == "bool":
        return kind, pick.choice((True, False, np.True_, np.False_)), True
    if kind == "str":
        return kind, pick.choice(("x", "", "nan", "1", " 3 ")), _is_number(good)
    if kind == "huge":
        v = pick.choice((2**63, 10**30, 10**400, pick.integer(2**62, 2**200)))
        return kind, pick.choice((1, -1)) * v, False
    if kind == "neg":
        return kind, -pick.integer(1, 2**31), False
    if kind == "frac":
        return kind, pick.choice((0.5, 2.5, np.float64(1.25), pick.floating())), False
    if kind == "wrong-type":
        return kind, pick.choice(([], {}, object(), b"1", (1, 2), np.array("3"))), True
    if kind == "number":
        return kind, pick.choice((12, 0.5, -1)), False
    if kind == "bytes":
        return kind, good.encode(), False
    if kind == "text":
        return kind, pick.choice(("", " ", "no-such-thing", "../x", "\x00", good.upper())), False
    if kind == "file":
        return kind, _malformed_file(Path(good), pick), False
    arr = _numeric_array(good)
    as_list = isinstance(good, (list, tuple)) and pick.choice((True, False))
    if kind in ("nan-entry", "complex-entry", "none-entry", "huge-entry", "neg-entry"):
        dtype = {"complex-entry": complex, "none-entry": object}.get(kind, float)
        b = arr.astype(dtype).copy()
        if kind == "neg-entry" and arr.dtype.kind in "iu":
            b = arr.astype(np.int64).copy()
        k = pick.integer(0, b.size - 1)
        b.flat[k] = {
            "nan-entry": pick.choice((nan, inf, -inf)),
            "complex-entry": complex(float(arr.flat[k]), pick.choice((1.0, -2.0))),
            "none-entry": None,
            "huge-entry": pick.choice((1e308, -1e308, 2.0**64)),
            "neg-entry": -pick.integer(1, 100),
        }[kind]
        sure = kind in ("nan-entry", "complex-entry", "none-entry")
        label = "complex-array" if kind == "complex-entry" else kind  # (LEGIT's name for it)
        return label, b.tolist() if as_list else b, sure
    if kind == "str-dtype":
        return kind, np.full(arr.shape, pick.choice(("a", "1"))), True
    if kind == "shape":
        how = pick.choice(("empty", "extra-dim", "flat", "transpose", "cut"))
        if how == "empty":
            return "shape-empty", np.zeros((0,) * pick.integer(1, 3)), False
        if how == "extra-dim":
            return "shape-extra", arr[None], False
        if how == "flat":
            return "shape-flat", arr.ravel()[: max(1, arr.size - 1)], False
        if how == "transpose":
            return "shape-T", arr.T[..., :1] if arr.ndim > 1 else arr[:, None], False
        return "shape-cut", arr[: max(0, len(arr) - pick.integer(1, 3))], False
    if kind == "ragged":
        return kind, [[1.0, 2.0], [3.0]], False
    if kind == "bool-array":
        return kind, arr.astype(bool), False
    return "scalar-for-array", arr.flat[0], False


def numpy_valid(good, pick):
    """A valid value the way NumPy users pass it (``np.int64(3)``, ``np.float64(0.5)``, a 0-d
    array, a list of NumPy scalars) for a parameter whose valid value is ``good``, or None."""
    import numpy as np

    if isinstance(good, (bool, np.bool_)):
        return None
    if isinstance(good, int):
        wraps = [np.int64, np.array, lambda v: np.float64(float(v))]
        if -(2**31) <= good < 2**31:
            wraps.append(np.int32)
        if 0 <= good < 256:
            wraps.append(np.uint8)
        return pick.choice(wraps)(good)
    if isinstance(good, float):
        return pick.choice((np.float64, np.array))(good)
    if isinstance(good, (list, tuple)) and good and all(_is_number(v) for v in good):
        if all(isinstance(v, int) for v in good):
            out = [pick.choice((np.int64, np.int32))(v) for v in good]
        else:
            out = [np.float64(v) for v in good]
        return type(good)(out)
    return None


# --------------------------------------------------------------------------------------------
# The worker: one module
# --------------------------------------------------------------------------------------------


def public_functions(module):
    for n, o in sorted(vars(module).items()):
        if n.startswith("_") or getattr(o, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(o):
            yield f"{module.__name__}.{n}", o


def outcome(func, kwargs):
    signal.alarm(CALL_LIMIT_S)
    try:
        func(**kwargs)
        return "ok", ""
    except Hang:
        return "hang", ""
    except (ValueError, TypeError, FileNotFoundError) as exc:  # a missing file may say so
        return "clean", f"{type(exc).__name__}: {str(exc)[:120]}"
    except Exception as exc:  # noqa: BLE001 - counting every other kind is the point
        return "crash", f"{type(exc).__name__}: {str(exc)[:120]}"
    finally:
        signal.alarm(0)
        import matplotlib.pyplot as plt

        plt.close("all")


def cases(modname: str, generated: int = 0, seed: int = 0):
    """Each call: the good one, then the table's bad values (or, with ``generated``, that many
    drawn bad values per parameter, plus one NumPy-scalar form of each valid number)."""
    module = importlib.import_module(f"qbook.{modname}")
    pick = RandomPick(seed)
    by_name, over = good_args(modname)
    for qual, func in public_functions(module):
        if qual in SKIP:
            continue
        good = good_call(qual, func, by_name, over)
        if good is None:
            yield qual, "(no good call)", None, None, False
            continue
        yield qual, "(good)", func, good, False
        sig = inspect.signature(func)
        for p in sig.parameters.values():
            if p.name in FREE or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            has_default = p.default is not p.empty
            value = good.get(p.name, p.default)
            if generated:
                required = not has_default or p.default is not None
                for _ in range(generated):
                    label, bad, sure = generated_bad(value, required, pick)
                    yield qual, f"{p.name}={label}", func, {**good, p.name: bad}, sure
                valid = numpy_valid(value, pick)
                if valid is not None:
                    yield (
                        qual,
                        f"{p.name}=numpy:{type(valid).__name__}",
                        func,
                        {
                            **good,
                            p.name: valid,
                        },
                        "valid",
                    )
                continue
            for label, bad, sure in mutations(p.name, value, has_default, p.default):
                yield qual, f"{p.name}={label}", func, {**good, p.name: bad}, sure


def worker(modname: str, skip: int, generated: int = 0, seed: int = 0) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    signal.signal(signal.SIGALRM, _alarm)
    devnull = open(os.devnull, "w")  # noqa: SIM115
    real_stdout = sys.stdout
    for i, (qual, label, func, kwargs, sure) in enumerate(cases(modname, generated, seed)):
        if i < skip:
            continue
        print(json.dumps({"start": i}), file=real_stdout, flush=True)
        if func is None:
            kind, detail = "nogood", ""
        else:
            sys.stdout = devnull
            try:
                kind, detail = outcome(func, kwargs)
            finally:
                sys.stdout = real_stdout
        row = dict(i=i, func=qual, case=label, kind=kind, detail=detail, sure=sure)
        print(json.dumps(row), file=real_stdout, flush=True)


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------


def run_module(modname: str, generated: int = 0, seed: int = 0) -> list[dict]:
    rows, skip, retries = [], 0, 0
    while True:
        cmd = [
            sys.executable,
            str(HERE / "fuzz_inputs.py"),
            "--worker",
            modname,
            "--skip",
            str(skip),
            "--generated",
            str(generated),
            "--seed",
            str(seed),
        ]
        env = {**os.environ, "PYTHONPATH": str(HERE.parent), "MPLBACKEND": "Agg"}
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=SCRATCH, env=env
        )
        current, last, heard = None, time.monotonic(), False
        buf = ""
        killed = False
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            chunk = os.read(proc.stdout.fileno(), 1 << 16).decode() if ready else ""
            if chunk:
                buf += chunk
                last, heard = time.monotonic(), True
                *lines, buf = buf.split("\n")
                for line in lines:
                    if not line.startswith("{"):
                        continue
                    msg = json.loads(line)
                    if "start" in msg:
                        current = msg["start"]
                    else:
                        rows.append(msg)
                        current = None
            elif proc.poll() is not None:
                break
            elif time.monotonic() - last > (STALL_LIMIT_S if heard else STARTUP_LIMIT_S):
                proc.kill()
                proc.wait()
                killed = True
                break
        if killed and current is not None:
            rows.append(
                dict(
                    i=current,
                    func=f"qbook.{modname}",
                    case=f"case #{current}",
                    kind="hang",
                    detail="killed by the watchdog",
                    sure=False,
                )
            )
            skip = current + 1
            continue
        if proc.returncode == -9 and not killed and retries < WORKER_RETRIES:
            retries += 1  # killed from outside: not the call's fault, run it again
            skip = len(rows)
            continue
        if proc.returncode not in (0, None) and current is None:
            rows.append(
                dict(
                    i=-1,
                    func=f"qbook.{modname}",
                    case="(worker)",
                    kind="crash",
                    detail=f"worker failed ({proc.returncode})",
                    sure=False,
                )
            )
            return rows
        if proc.returncode not in (0, None) and current is not None:
            rows.append(
                dict(
                    i=current,
                    func=f"qbook.{modname}",
                    case=f"case #{current}",
                    kind="crash",
                    detail=f"worker died ({proc.returncode})",
                    sure=False,
                )
            )
            skip = current + 1
            continue
        return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=MODULES)
    ap.add_argument("--list", action="store_true", help="print every finding")
    ap.add_argument("--json", help="write all rows to this file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--skip", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument(
        "--generated",
        type=int,
        default=0,
        metavar="K",
        help="instead of the table: K drawn bad values per parameter (and NumPy scalars)",
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of the drawn values")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.skip, args.generated, args.seed)
        return
    t0 = time.time()
    totals = dict(calls=0, crash=0, silent=0, hang=0, nogood=0, good_failed=0, refused=0)
    allrows = []
    for m in args.modules:
        spec = importlib.util.find_spec(f"qbook.{m}")
        # (an editable install of another checkout can supply modules this tree lacks)
        if spec is None or not str(spec.origin).startswith(str(HERE.parent)):
            print(f"{m:8s} (no such module in this version of qbook)", flush=True)
            continue
        rows = run_module(m, args.generated, args.seed)
        allrows += rows
        counts = dict(calls=0, crash=0, silent=0, hang=0, nogood=0, good_failed=0, refused=0)
        good_ok = {r["func"] for r in rows if r["case"] == "(good)" and r["kind"] == "ok"}
        for r in rows:
            counts["calls"] += 1
            if r["case"] == "(good)":
                counts["good_failed"] += r["kind"] != "ok"
                if r["kind"] in ("crash", "hang"):
                    counts[r["kind"]] += 1
                continue
            if r["kind"] in ("crash", "hang", "nogood"):
                counts[r["kind"]] += 1
            elif r["sure"] == "valid":  # a NumPy scalar where the plain number works
                if r["kind"] == "clean" and r["func"] in good_ok:
                    counts["refused"] += 1
                    r["kind"] = "refused"
            elif r["kind"] == "ok" and r["sure"] and (r["func"], r["case"]) not in LEGIT:
                counts["silent"] += 1
                r["kind"] = "silent"
        for k in totals:
            totals[k] += counts[k]
        print(f"{m:8s} " + " ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
        if args.list:
            for r in rows:
                if r["kind"] in ("crash", "hang", "silent", "nogood", "refused") or (
                    r["case"] == "(good)" and r["kind"] != "ok"
                ):
                    print(f"    {r['kind']:6s} {r['func']}({r['case']}) {r['detail']}")
    print(
        "TOTAL " + " ".join(f"{k}={v}" for k, v in totals.items()) + f"  ({time.time() - t0:.0f} s)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(allrows, indent=1))


if __name__ == "__main__":
    main()
