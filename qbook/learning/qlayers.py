"""Keras layers for circuits with TensorFlow Quantum's interface, on either backend (chapter 3).

Chapters 3-6 use four pieces of TensorFlow Quantum: ``convert_to_tensor`` (circuits -> a string
tensor), ``AddCircuit`` (prepend or append a fixed circuit), ``PQC`` (a parameterised circuit
whose symbols are trainable weights, read out as expectation values) and ``Expectation``
(expectation values for symbol values passed in). This module provides the same four on
qbook's own simulator (:mod:`qbook.learning.tfsim`), in plain TensorFlow: they run under Keras 2
(tf_keras) and Keras 3, on Python 3.13, on a CPU or a GPU, and save and reload with the model
(``get_config``).

:func:`backend` returns the active set: TFQ itself or this module, chosen by
``QBOOK_QML_BACKEND=auto|tfq|qbook`` (:func:`qbook.common.env.qml_backend`). Both have the same
weights: a ``PQC`` holds one float32 vector named ``parameters`` with the circuit's symbols
sorted by name, so a model built with one backend accepts the other's weights unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import cirq
import numpy as np

from qbook.common.env import ensure_tensorflow_env, import_tensorflow, qml_backend
from qbook.learning import tfsim

ensure_tensorflow_env()  # before anything below can import TensorFlow
_modules = import_tensorflow(quantum=True)
tf = _modules.tf
_keras = tf.keras
_register = _keras.utils.register_keras_serializable(package="qbook")
# From BIG_CIRCUIT qubits on, a PQC fuses gates into 5-qubit blocks and simulates its batch
# CHUNK_AMPLITUDES // 2**n states at a time (two on chapter 5's 17-qubit QNN, where it was
# measured: the states stay in the CPU's cache; with the adjoint gradient the backward pass then
# holds a few chunks, not the batch). Below, 3-qubit blocks and the whole batch at once: on
# bench_simulator's 12- and 14-qubit random circuits 3-qubit blocks were 20-40% faster than
# 5-qubit ones, the chunk loop (one chunk of the 16 states) no faster, and its while loops
# made tracing slower (interleaved A/B, 2026-12-03).
BIG_CIRCUIT = 15
CHUNK_AMPLITUDES = 2**18


def backend() -> SimpleNamespace:
    """The active quantum layers: ``.name``, ``.convert_to_tensor`` and ``.layers.{AddCircuit,
    PQC, Expectation}``, from TensorFlow Quantum or from qbook (chapter 3)."""
    if qml_backend() == "tfq":
        tfq = _modules.tfq
        return SimpleNamespace(
            name="tfq", convert_to_tensor=tfq.convert_to_tensor, layers=tfq.layers
        )
    layers = SimpleNamespace(AddCircuit=AddCircuit, PQC=PQC, Expectation=Expectation)
    return SimpleNamespace(name="qbook", convert_to_tensor=convert_to_tensor, layers=layers)


def convert_to_tensor(circuits: Sequence[cirq.Circuit]) -> Any:
    """Circuits -> a rank-1 string tensor of serialised circuits (qbook's ``tfq.convert_to_tensor``).

    Introduced in chapter 3.
    """
    if isinstance(circuits, cirq.AbstractCircuit) or not isinstance(circuits, Sequence):
        raise TypeError("convert_to_tensor expects a list of cirq.Circuit")
    circuits = list(circuits)
    if not all(isinstance(c, cirq.AbstractCircuit) for c in circuits):
        raise TypeError("convert_to_tensor expects a list of cirq.Circuit")
    return tf.constant([tfsim.serialize_circuit(c) for c in circuits], dtype=tf.string)


def add_circuit(
    inputs: Any, prepend: cirq.Circuit | None = None, append: cirq.Circuit | None = None
) -> Any:
    """``AddCircuit()(inputs, prepend=..., append=...)`` on the active backend (chapter 4).

    With qbook's backend the fixed circuits go into the layer's config, so a model that uses
    it saves and reloads.
    """
    if qml_backend() == "tfq":
        return _modules.tfq.layers.AddCircuit()(inputs, prepend=prepend, append=append)
    return AddCircuit(prepend=prepend, append=append)(inputs)


def _circuit(value: Any, what: str) -> cirq.Circuit | None:
    if value is None or isinstance(value, cirq.AbstractCircuit):
        return value
    if isinstance(value, str):
        return tfsim.parse_circuit(value)
    raise TypeError(f"{what} must be a cirq.Circuit, got {type(value).__name__}")


def _operators(value: Any) -> list[cirq.PauliSum]:
    ops = list(value) if isinstance(value, (list, tuple)) else [value]
    out = []
    for op in ops:
        if isinstance(op, str):
            op = cirq.read_json(json_text=op)
        if isinstance(op, (cirq.PauliString, cirq.GateOperation)):
            op = cirq.PauliSum.wrap(op)
        if not isinstance(op, cirq.PauliSum):
            raise TypeError(
                f"operators must be cirq Pauli strings or sums, got {type(op).__name__}"
            )
        out.append(op)
    if not out:
        raise ValueError("need at least one operator")
    return out


def _compact_json(obj: Any) -> str:
    return json.dumps(json.loads(cirq.to_json(obj)), separators=(",", ":"))


@_register
class AddCircuit(_keras.layers.Layer):
    """Prepend and/or append a fixed circuit to every serialised circuit of the input batch.

    Like ``tfq.layers.AddCircuit``; the circuits may be given when the layer is made (then they
    are part of its config) or when it is called. Introduced in chapter 3.
    """

    def __init__(self, prepend: Any = None, append: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prepend = _circuit(prepend, "prepend")
        self.append = _circuit(append, "append")
        self.supports_jit = False  # a py_function: no XLA
        self._cache: dict[tuple[bytes, str, str], bytes] = {}
        self._keys: dict[int, str] = {}

    def _key(self, circuit: cirq.Circuit | None) -> str:
        if circuit is None:
            return ""
        key = self._keys.get(id(circuit))
        if key is None:
            key = self._keys[id(circuit)] = tfsim.serialize_circuit(circuit)
        return key

    def _join(self, texts: Any, pre: cirq.Circuit | None, post: cirq.Circuit | None) -> np.ndarray:
        pre_key, post_key = self._key(pre), self._key(post)
        out = []
        for t in texts.numpy():
            key = (t, pre_key, post_key)
            hit = self._cache.get(key)
            if hit is None:
                c = tfsim.parse_circuit(t)
                c = (pre or cirq.Circuit()) + c + (post or cirq.Circuit())
                hit = self._cache[key] = tfsim.serialize_circuit(c).encode()
            out.append(hit)
        return np.array(out, dtype=object)

    def call(self, inputs: Any, append: Any = None, prepend: Any = None) -> Any:
        pre = _circuit(prepend, "prepend") if prepend is not None else self.prepend
        post = _circuit(append, "append") if append is not None else self.append
        if pre is None and post is None:
            raise ValueError("AddCircuit needs a circuit to prepend or append")
        out = tf.py_function(lambda t: self._join(t, pre, post), [inputs], tf.string)
        out.set_shape(inputs.shape)
        return out

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("prepend", "append"):
            c = getattr(self, key)
            config[key] = tfsim.serialize_circuit(c) if c is not None else None
        return config


@_register
class PQC(_keras.layers.Layer):
    """A parameterised circuit appended to each input circuit, read out as expectation values.

    Like ``tfq.layers.PQC(model_circuit, operators)``: the circuit's symbols, sorted by name,
    are one trainable float32 weight ``parameters`` (initialised uniformly in [0, 2 pi) unless
    ``initializer`` says otherwise); the input is a string tensor from
    :func:`convert_to_tensor` of parameter-free circuits; the output is
    ``(batch, len(operators))``. Gradients by autodiff through :mod:`qbook.learning.tfsim`.
    ``simulation_dtype="complex128"`` simulates in double precision; ``max_block_qubits`` and
    ``chunk`` (see :meth:`qbook.learning.tfsim.Program.expectation`) tune speed, by default after the
    circuit's size. Introduced in chapter 3.
    """

    def __init__(
        self,
        model_circuit: Any,
        operators: Any,
        *,
        initializer: Any = None,
        regularizer: Any = None,
        constraint: Any = None,
        simulation_dtype: str = "complex64",
        max_block_qubits: int | None = None,
        chunk: int | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.pop("repetitions", None) is not None:
            raise ValueError("qbook's PQC computes exact expectation values (no repetitions)")
        kwargs.pop("backend", None)
        kwargs.pop("differentiator", None)
        super().__init__(**kwargs)
        circuit = _circuit(model_circuit, "model_circuit")
        if circuit is None:
            raise TypeError("model_circuit must be a cirq.Circuit")
        self.model_circuit = circuit
        self.operators = _operators(operators)
        symbols = sorted(str(s) for s in cirq.parameter_names(circuit))
        if not symbols:
            raise ValueError("model_circuit has no symbols: nothing to train")
        qubits = set(circuit.all_qubits())
        for op in self.operators:
            qubits |= set(op.qubits)
        self.qubits = sorted(qubits)
        big = len(self.qubits) >= BIG_CIRCUIT
        self.max_block_qubits = max_block_qubits or (5 if big else tfsim.MAX_BLOCK_QUBITS)
        self.chunk = chunk or (max(1, CHUNK_AMPLITUDES >> len(self.qubits)) if big else None)
        self.program = tfsim.compile_circuit(
            circuit, self.qubits, symbols, self.max_block_qubits, simulation_dtype
        )
        self.simulation_dtype = simulation_dtype
        self.supports_jit = False
        self._states = tfsim.StateCache(self.qubits)
        if initializer is None:
            initializer = _keras.initializers.RandomUniform(0.0, 2.0 * np.pi)
        self.initializer = _keras.initializers.get(initializer)
        self.regularizer = _keras.regularizers.get(regularizer)
        self.constraint = _keras.constraints.get(constraint)
        self.parameters = self.add_weight(
            name="parameters",
            shape=(len(symbols),),
            initializer=self.initializer,
            regularizer=self.regularizer,
            constraint=self.constraint,
            dtype="float32",
            trainable=True,
        )

    @property
    def symbols(self) -> list[Any]:
        """The symbols the weight vector ``parameters`` holds, in order (sorted by name)."""
        import sympy

        return [sympy.Symbol(s) for s in self.program.symbols]

    def initial_states(self, inputs: Any) -> Any:
        """The states the input circuits prepare, (batch, 2**n) (a NumPy step, cached)."""
        dtype = np.complex64 if self.simulation_dtype == "complex64" else np.complex128
        out = tf.py_function(
            lambda t: self._states.states(list(t.numpy()), dtype), [inputs], tf.as_dtype(dtype)
        )
        out.set_shape([None, 2**self.program.n_qubits])
        return out

    def call(self, inputs: Any) -> Any:
        dtype = tf.as_dtype(self.simulation_dtype)
        n = self.program.n_qubits

        def inputs_of(t: Any) -> Any:
            return self._states.inputs(list(t.numpy()), dtype.as_numpy_dtype)

        states = tf.py_function(inputs_of, [inputs], [dtype, dtype])
        states[0].set_shape([None, n, 2])
        states[1].set_shape([None, 2**n])
        states = tuple(states)
        theta = tf.cast(self.parameters, tf.as_dtype(self.simulation_dtype).real_dtype)
        out = self.program.expectation(
            states, theta, self.operators, chunk=self.chunk, state_gradient=False
        )
        return tf.cast(out, tf.float32)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            model_circuit=tfsim.serialize_circuit(self.model_circuit),
            operators=[cirq.to_json(op) for op in self.operators],
            initializer=_keras.initializers.serialize(self.initializer),
            regularizer=_keras.regularizers.serialize(self.regularizer)
            if self.regularizer
            else None,
            constraint=_keras.constraints.serialize(self.constraint) if self.constraint else None,
            simulation_dtype=self.simulation_dtype,
            max_block_qubits=self.max_block_qubits,
            chunk=self.chunk,
        )
        return config


@_register
class Expectation(_keras.layers.Layer):
    """Expectation values of a parameterised circuit for symbol values passed in.

    Like ``tfq.layers.Expectation()(circuit, symbol_names=..., symbol_values=...,
    operators=...)``: ``circuit`` is a ``cirq.Circuit`` (the same for every row) or a list of
    them (one per row); ``symbol_values`` is (batch, len(symbol_names)); the output is
    (batch, len(operators)), differentiable in the symbol values. Introduced in chapter 3.
    """

    def __init__(self, simulation_dtype: str = "complex64", **kwargs: Any) -> None:
        kwargs.pop("backend", None)
        kwargs.pop("differentiator", None)
        super().__init__(**kwargs)
        self.simulation_dtype = simulation_dtype
        self._programs: dict[tuple[str, tuple[str, ...], str], tfsim.Program] = {}
        self._texts: dict[int, tuple[cirq.AbstractCircuit, str]] = {}
        self._ops: dict[tuple[str, ...], list[cirq.PauliSum]] = {}

    def _program(self, text: str, names: list[str], ops: list[cirq.PauliSum]):
        circuit = tfsim.parse_circuit(text)
        qubits = set(circuit.all_qubits())
        for op in ops:
            qubits |= set(op.qubits)
        qkey = json.dumps([str(q) for q in sorted(qubits)])
        key = (text, tuple(names), qkey)
        if key not in self._programs:
            self._programs[key] = tfsim.compile_circuit(
                circuit, sorted(qubits), names, dtype=self.simulation_dtype
            )
        return self._programs[key]

    def _text(self, circuit: cirq.AbstractCircuit) -> str:
        hit = self._texts.get(id(circuit))
        if hit is None or hit[0] is not circuit:  # the circuit is kept: its id stays its own
            hit = self._texts[id(circuit)] = (circuit, tfsim.serialize_circuit(circuit))
        return hit[1]

    def __call__(
        self,
        inputs: Any,
        *args: Any,
        symbol_names: Sequence[Any] | None = None,
        symbol_values: Any = None,
        operators: Any = None,
        **kwargs: Any,
    ) -> Any:
        """TFQ's calling convention. Keras 3 wants a tensor first, so the symbol values go
        first and the circuits, symbol names and operators by keyword, as strings: a
        functional model records them in its config and saves and reloads."""
        if "circuits" in kwargs:  # Keras replaying a recorded call (functional models)
            kwargs.update(symbol_names=symbol_names, operators=operators)
            return super().__call__(inputs, *args, **kwargs)
        if args:
            raise TypeError("Expectation takes the circuit first and the rest by keyword")
        if isinstance(inputs, cirq.AbstractCircuit):
            circuits: Any = self._text(inputs)
        elif isinstance(inputs, (list, tuple)) and all(
            isinstance(c, cirq.AbstractCircuit) for c in inputs
        ):
            circuits = [self._text(c) for c in inputs]
        else:
            raise TypeError(
                "qbook's Expectation takes a cirq.Circuit or a list of them, got "
                f"{type(inputs).__name__} (for circuits in a tensor, use AddCircuit and PQC)"
            )
        if operators is None:
            raise ValueError("Expectation needs operators")
        ops = [_compact_json(op) for op in _operators(operators)]
        names = [str(s) for s in (symbol_names or [])]
        if symbol_values is None:
            symbol_values = tf.zeros([1, 0], dtype=tf.float32)
        return super().__call__(
            symbol_values, circuits=circuits, symbol_names=names, operators=ops, **kwargs
        )

    def call(
        self,
        symbol_values: Any,
        circuits: Any = None,
        symbol_names: Sequence[Any] | None = None,
        operators: Any = None,
    ) -> Any:
        if operators is None:
            raise ValueError("Expectation needs operators")
        if circuits is None:
            raise ValueError("Expectation needs a circuit")
        okey = tuple(operators) if isinstance(operators, (list, tuple)) else (operators,)
        ops = self._ops.get(okey) if all(isinstance(o, str) for o in okey) else None
        if ops is None:
            ops = _operators(operators)
            if all(isinstance(o, str) for o in okey):
                self._ops[okey] = ops
        one = isinstance(circuits, (str, cirq.AbstractCircuit))
        texts = [
            c if isinstance(c, str) else tfsim.serialize_circuit(c)
            for c in ([circuits] if one else circuits)
        ]
        names = [str(s) for s in (symbol_names or [])]
        rtype = tf.as_dtype(self.simulation_dtype).real_dtype
        values = tf.cast(tf.convert_to_tensor(symbol_values), rtype)
        if values.shape.rank != 2:
            raise ValueError(
                f"symbol_values must be (batch, {len(names)}), got shape {tuple(values.shape)}"
            )
        if values.shape[-1] is not None and values.shape[-1] != len(names):
            raise ValueError(
                f"symbol_values has {values.shape[-1]} columns but symbol_names names "
                f"{len(names)} symbols {names[:6]}"
            )
        rows = []
        for i, text in enumerate(texts):
            prog = self._program(text, names, ops)
            theta = values if len(texts) == 1 else values[i : i + 1]
            batch = tf.shape(theta)[0]
            zero = tf.one_hot(tf.zeros([batch], tf.int32), 2**prog.n_qubits, dtype=rtype)
            zero = tf.cast(zero, self.simulation_dtype)
            rows.append(prog.expectation(zero, theta, ops, state_gradient=False))
        out = rows[0] if len(rows) == 1 else tf.concat(rows, axis=0)
        return tf.cast(out, tf.float32)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["simulation_dtype"] = self.simulation_dtype
        return config
