"""Part I of the book, learning on house numbers (chapters 1-6).

* :mod:`~qbook.learning.data`, :mod:`~qbook.learning.synthetic`, :mod:`~qbook.learning.data_plots`:
  SVHN download and preprocessing, the offline synthetic stand-in, and their pictures (ch. 1);
* :mod:`~qbook.learning.cnn`, :mod:`~qbook.learning.training`: the classical Keras CNN and the
  seeded training loop every model uses (ch. 2);
* :mod:`~qbook.learning.qcnn`, :mod:`~qbook.learning.qml`, :mod:`~qbook.learning.hybrid`: the
  quantum CNN, the quantum image classifier and the hybrid quantum filters (ch. 3-6);
* :mod:`~qbook.learning.tfsim`, :mod:`~qbook.learning.tfsim_plan`, :mod:`~qbook.learning.qlayers`:
  qbook's own differentiable circuit simulator and its TFQ-compatible Keras layers (ch. 3).

Importing this package imports no module and no TensorFlow; the modules that need TensorFlow
import it on first use (after :func:`qbook.setup <qbook.common.env.setup>` has set ``TF_USE_LEGACY_KERAS``).
"""
