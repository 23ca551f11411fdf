"""Profiles: the one switch for scale (introduced in the introduction and used by every chapter).

``QBOOK_PROFILE=small`` (the default, what CI runs) keeps every chapter to a minute or two on a
2-core laptop; ``QBOOK_PROFILE=full`` runs the paper-scale experiments for a reader with time or
a GPU. Every size a chapter uses comes from here, so no notebook hard-codes one.

Each chapter owns one section. Add a field to both profiles at once; a test checks that the
two profiles have the same keys.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

PROFILE_ENV = "QBOOK_PROFILE"
PROFILE_NAMES = ("small", "full")

_PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "small": {
        # Part I: data and learning
        # svhn: images drawn from the train/test files (None: all); val_fraction of n_train
        # is held out for validation as in the paper's 80/20 split.
        "svhn": {"n_train": 8000, "n_test": 2000, "seed": 0, "val_fraction": 0.2},
        # cnn: the paper's batch size and Adam's default learning rate; logreg gets the same.
        "cnn": {"epochs": 6, "batch_size": 250, "seeds": (0,), "learning_rate": 1e-3},
        "primer": {"shots": 1000},
        "qcnn": {
            "epochs": 20,
            "batch_size": 16,
            "seeds": (0, 1),
            "n_rounds": 20,
            "learning_rate": 0.02,
            "data_seed": 0,
        },
        "qimage": {
            "n_train": 1000,
            "n_test": 1000,
            "epochs": 3,
            "seeds": (0, 1),
            "classes": (3, 6),
            "learning_rate": 0.02,
            "batch_size": 8,
            "cnn_epochs": 20,
            "timing_repeats": 1,
            "data_seed": 0,
        },
        "hybrid": {
            "epochs": 15,
            "seeds": (0, 1),
            "batch_size": 16,
            "learning_rate": 0.02,
            "n_filters": 3,
            "multi_seeds": (0,),
            "n_rounds": 20,
            "data_seed": 0,
            "quanv_n_train": 2000,
            "quanv_n_test": 500,
            "quanv_epochs": 15,
            "quanv_seed": 0,
        },
        # py313 (benchmarks/compare_py313.py): chapters 2-6's models trained once per seed in
        # each environment (TFQ + Keras 2, qbook's simulator + Keras 3) at these sizes; nothing
        # is tuned on these seeds, they only measure the spread the comparison needs.
        "py313": {
            "seeds": (0, 1, 2, 3, 4),
            "cnn_n_train": 3000,
            "cnn_n_test": 1000,
            "cnn_epochs": 4,
            "qcnn_epochs": 20,
            "qimage_n_train": 1000,
            "qimage_n_test": 1000,
            "qimage_epochs": 3,
            "qimage_cnn_epochs": 10,
            "hybrid_epochs": 15,
            "quanv_n_train": 1000,
            "quanv_n_test": 500,
            "quanv_epochs": 10,
        },
        # Part II: optimisation
        "qubo": {"n_random": 6, "max_exhaustive_n": 10, "timing_sizes": (16, 18, 20, 22)},
        "vrp": {
            "pyvrp_iterations": 1000,
            "seeds": (0,),
            "sa_reads": 200,
            "sa_sweeps": 100,
            "n_penalties": 10,
            "instances": ("E-n13-k4", "P-n16-k8", "P-n19-k2"),
        },
        "qaoa": {
            "p_max": 3,
            "restarts": 3,
            "shots": 2000,
            "seeds": (0, 1, 2),
            "grid": 24,
            "cvar_alpha": 0.1,
            "tsp_seeds": (0, 1),
            "maxiter": 120,
            "big_tsp_p_max": 1,
            "timing_qubits": (12, 16, 20),
        },
        "minimal": {
            "layers": None,
            "timing_layers": 4,
            "restarts": 1,
            "anneal": 8,
            "maxiter": 120,
            "samples": 2000,
            "seeds": (0, 1),
            "max_customers": 6,
            # five evaluation TSPs past the memory wall (about 0.4 s each): the results chapter's
            # claims ledger reads their count
            "big_seeds": (0, 1, 2, 3, 4),
            "decode_likely": True,
        },
        # heldout (Part II's evaluation protocol, chapters 9-12 and their benchmarks): settings
        # are chosen on tune_seeds only and reported on eval_seeds; the two never overlap (a
        # test checks). A seed names a random instance (qbook.routing.generators) or a solver seed.
        "heldout": {
            "tune_seeds": tuple(range(10)),
            "eval_seeds": tuple(range(1000, 1010)),
            "eval_cvrp_sizes": (15, 20),
            "eval_cvrp_seeds": (1000, 1001),
        },
        "constrained": {
            # chapter 10: settings were chosen on the tuning seeds, results are reported on the
            # evaluation seeds (disjoint ranges; random_tsp(n, seed))
            "tune_seeds": tuple(range(10)),
            "eval_seeds": (1000, 1001, 1002),
            "sizes": (3, 4, 5, 6, 7, 8),
            "big_sizes": (9,),
            "big_eval_seeds": (1000,),
            "p_max": 4,
            "shots": 1000,
            "grid": 25,
            "nearest_sizes": (5, 6, 7),
            "tf_max_customers": 4,
            "tf_p_max": 2,
            "minimal_max_customers": 5,
            "transfer_sizes": (8,),
            "transfer_from": (5, 6, 7),
            "transfer_seeds": (0, 1, 2),
        },
        "cvrp": {
            # every shipped instance, A-n32-k5 included: phase one scales, and so does routing
            "instances": (
                "E-n13-k4",
                "P-n16-k8",
                "P-n19-k2",
                "P-n20-k2",
                "P-n22-k2",
                "E-n22-k4",
                "A-n32-k5",
            ),
            "seeds": (0,),
            # clusters up to 8 customers: constrained QAOA; longer ones: the quantum local
            # search with windows of 8 positions (transferred angles, overlapping windows around
            # the closed tour, at most 3 passes) from a classical start tour: nearest neighbour
            # improved by 2-opt and Or-opt (chosen on the tuning seeds, issue 19)
            "max_constrained_customers": 8,
            "constrained_p": 2,
            "window": 8,
            "max_passes": 3,
            "start_from": "2-opt+or-opt",
            # layers .. decode_likely: the minimal encoding, run only as chapter 12's comparison
            "layers": None,
            "restarts": 2,
            "big_restarts": 1,
            "anneal": 8,
            "samples": 2000,
            "decode_likely": True,
        },
    },
    "full": {
        "svhn": {"n_train": None, "n_test": None, "seed": 0, "val_fraction": 0.2},  # None: all
        "cnn": {"epochs": 100, "batch_size": 250, "seeds": (0, 1, 2), "learning_rate": 1e-3},
        "primer": {"shots": 10000},
        "qcnn": {
            "epochs": 60,
            "batch_size": 16,
            "seeds": (0, 1, 2, 3, 4),
            "n_rounds": 20,
            "learning_rate": 0.02,
            "data_seed": 0,
        },
        "qimage": {
            "n_train": None,
            "n_test": None,
            "epochs": 10,
            "seeds": (0, 1, 2, 3, 4),
            "classes": (3, 6),
            "learning_rate": 0.02,
            "batch_size": 8,
            "cnn_epochs": 20,
            "timing_repeats": 2,
            "data_seed": 0,
        },
        "hybrid": {
            "epochs": 15,
            "seeds": (0, 1, 2, 3, 4),
            "batch_size": 16,
            "learning_rate": 0.02,
            "n_filters": 3,
            "multi_seeds": (0, 1, 2, 3, 4),
            "n_rounds": 20,
            "data_seed": 0,
            "quanv_n_train": 10000,
            "quanv_n_test": 2000,
            "quanv_epochs": 20,
            "quanv_seed": 0,
        },
        "py313": {
            "seeds": tuple(range(10)),
            "cnn_n_train": 20000,
            "cnn_n_test": 5000,
            "cnn_epochs": 10,
            "qcnn_epochs": 60,
            "qimage_n_train": 5000,
            "qimage_n_test": 2000,
            "qimage_epochs": 10,
            "qimage_cnn_epochs": 20,
            "hybrid_epochs": 15,
            "quanv_n_train": 5000,
            "quanv_n_test": 2000,
            "quanv_epochs": 20,
        },
        "qubo": {"n_random": 20, "max_exhaustive_n": 14, "timing_sizes": (16, 18, 20, 22, 24)},
        "vrp": {
            "pyvrp_iterations": 5000,
            "seeds": (0, 1, 2),
            "sa_reads": 1000,
            "sa_sweeps": 300,
            "n_penalties": 25,
            "instances": (
                "E-n13-k4",
                "P-n16-k8",
                "P-n19-k2",
                "P-n20-k2",
                "P-n22-k2",
                "E-n22-k4",
                "A-n32-k5",
            ),
        },
        "qaoa": {
            "p_max": 5,
            "restarts": 10,
            "shots": 10000,
            "seeds": (0, 1, 2, 3, 4),
            "grid": 60,
            "cvar_alpha": 0.1,
            "tsp_seeds": (0, 1, 2, 3, 4),
            "maxiter": 400,
            "big_tsp_p_max": 3,
            "timing_qubits": (12, 16, 20, 22, 24),
        },
        "minimal": {
            "layers": None,
            "timing_layers": 4,
            # restarts 10 and decode_likely: chosen on tuning seeds 0-9 (5 customers: 9 of 10
            # optimal, against 5 of 10 with 5 restarts and no decoder)
            "restarts": 10,
            "anneal": 8,
            "maxiter": 300,
            "samples": 20000,
            "seeds": tuple(range(10)),
            "max_customers": 10,
            "big_seeds": (0, 1, 2),
            "decode_likely": True,
        },
        "heldout": {
            "tune_seeds": tuple(range(10)),
            "eval_seeds": tuple(range(1000, 1050)),
            "eval_cvrp_sizes": (15, 20, 30, 40, 50),
            "eval_cvrp_seeds": (1000, 1001, 1002),
        },
        "constrained": {
            "tune_seeds": tuple(range(10)),
            "eval_seeds": tuple(range(1000, 1020)),
            "sizes": (3, 4, 5, 6, 7, 8),
            # 10 and 11 customers run at transferred angles in bench_constrained.py big; the
            # chapter shows its recorded rows
            "big_sizes": (9,),
            "big_eval_seeds": tuple(range(1000, 1010)),
            "p_max": 5,
            "shots": 10000,
            "grid": 60,
            "nearest_sizes": (5, 6, 7),
            "tf_max_customers": 4,
            "tf_p_max": 3,
            "minimal_max_customers": 8,
            # 10 customers x 20 seeds took over an hour here: benchmarks/bench_constrained.py
            # measures the transfer at 10 customers instead
            "transfer_sizes": (8, 9),
            "transfer_from": (5, 6, 7),
            "transfer_seeds": tuple(range(10)),
        },
        "cvrp": {
            "instances": (
                "E-n13-k4",
                "P-n16-k8",
                "P-n19-k2",
                "P-n20-k2",
                "P-n22-k2",
                "E-n22-k4",
                "A-n32-k5",
            ),
            "seeds": (0, 1, 2),
            "max_constrained_customers": 11,
            "constrained_p": 3,
            "window": 9,
            "max_passes": 3,
            "start_from": "2-opt+or-opt",
            "layers": None,
            "restarts": 5,
            "big_restarts": 5,
            "anneal": 8,
            "samples": 20000,
            "decode_likely": True,
        },
    },
}


def profile_name() -> str:
    """Return the active profile's name from ``$QBOOK_PROFILE`` (default ``small``)."""
    name = os.environ.get(PROFILE_ENV, "small").strip().lower() or "small"
    if name not in PROFILE_NAMES:
        raise ValueError(
            f"{PROFILE_ENV}={name!r} is not a profile; choose one of {', '.join(PROFILE_NAMES)}"
        )
    return name


def get_profile(name: str | None = None) -> SimpleNamespace:
    """Return the profile as nested namespaces, e.g. ``get_profile().cnn.epochs``.

    ``name`` overrides ``$QBOOK_PROFILE``. The result carries its own ``name``.
    """
    name = profile_name() if name is None else name
    if not isinstance(name, str) or name not in _PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}")
    sections = {key: SimpleNamespace(**value) for key, value in _PROFILES[name].items()}
    return SimpleNamespace(name=name, **sections)


def profile_table() -> dict[str, dict[str, Any]]:
    """Both profiles as plain dicts (for tests and the introduction's table)."""
    return {name: {k: dict(v) for k, v in sections.items()} for name, sections in _PROFILES.items()}
