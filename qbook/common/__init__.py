"""What every chapter uses: setup, profiles, results and the claims ledger.

* :mod:`~qbook.common.env`, :mod:`~qbook.common.profile`: the first cell's setup (seeds,
  TensorFlow's environment, versions) and the one switch for scale, ``QBOOK_PROFILE``;
* :mod:`~qbook.common.results`, :mod:`~qbook.common.report`, :mod:`~qbook.common.claims`:
  recording every printed result, the tables of chapter 13 and the claims ledger;
* :mod:`~qbook.common.stats`, :mod:`~qbook.common.figures`, :mod:`~qbook.common.colab`:
  intervals for rates, the book's figure style, and the Colab install cell;
* :mod:`~qbook.common.checks`, :mod:`~qbook.common.cache`: the input checks every public
  function starts with, and atomic file writes for caches.
"""
