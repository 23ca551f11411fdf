"""Part II of the book, quantum routing (chapters 7-12). Never imports TensorFlow.

* :mod:`~qbook.routing.qubo`: QUBO and Ising models and the maps between them (ch. 7);
* :mod:`~qbook.routing.instances`, :mod:`~qbook.routing.classical`: CVRPLIB instances, PyVRP,
  tour costs, Held-Karp and the classical heuristics (ch. 8);
* :mod:`~qbook.routing.vrp_qubo`, :mod:`~qbook.routing.penalty`, :mod:`~qbook.routing.clustering`:
  the TSP and CVRP as constraint Hamiltonians, their penalty weights, and cluster-then-route (ch. 8);
* :mod:`~qbook.routing.qaoa`, :mod:`~qbook.routing.qaoa_tsp`: QAOA with one qubit per variable (ch. 9);
* :mod:`~qbook.routing.tour_subspace`, :mod:`~qbook.routing.constrained_circuit`,
  :mod:`~qbook.routing.qaoa_constrained`: QAOA that never leaves the tours (ch. 10);
* :mod:`~qbook.routing.minimal`, :mod:`~qbook.routing.minimal_solve`,
  :mod:`~qbook.routing.evaluation`: the minimal encoding on ``1 + log2(n)`` qubits (ch. 11);
* :mod:`~qbook.routing.cvrp`, :mod:`~qbook.routing.local_search`,
  :mod:`~qbook.routing.generators`: the end-to-end pipeline, the quantum local search for routes
  past the constrained QAOA's size, and the random instances that test them on cases they were
  not tuned on (ch. 12).
"""
