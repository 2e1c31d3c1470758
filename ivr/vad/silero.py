"""Silero VAD v6 (the ONNX model shipped inside the faster-whisper wheel) on onnxruntime."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from ivr.audio.frame import INTERNAL_RATE, AudioFrame
from ivr.errors import AudioError, ModelError

WINDOW = 512
"""Samples per model call at 16 kHz (32 ms)."""
CONTEXT = 64
"""Samples of the previous window the model sees in front of each window."""


def silero_model_path() -> Path:
    """Where the Silero ONNX model lives (inside the installed ``faster-whisper`` package)."""
    try:
        import faster_whisper
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ModelError("Silero VAD needs the faster-whisper package: pip install faster-whisper") from exc
    assets = Path(faster_whisper.__file__).parent / "assets"
    found = sorted(assets.glob("silero_vad*.onnx"))
    if not found:
        raise ModelError(f"Silero VAD model not found in {assets}: reinstall faster-whisper==1.2.1")
    return found[-1]


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(
        str(silero_model_path()), providers=["CPUExecutionProvider"], sess_options=opts
    )


class SileroVad:
    """Stateful per call: keeps the model's recurrent state and the last 64 samples between windows.

    The ONNX session (one intra-op thread) is shared by every instance; ``run`` is thread-safe.
    """

    def __init__(self) -> None:
        self._session = _session()
        self.reset()

    def reset(self) -> None:
        """Clear recurrent state, context and buffer (new call or new stream)."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0

    def probability(self, frame: AudioFrame) -> float:
        """Probability of the most recent complete 32 ms window."""
        if frame.rate != INTERNAL_RATE:
            raise AudioError(f"Silero VAD expects {INTERNAL_RATE} Hz frames, got {frame.rate}")
        samples = frame.to_array().astype(np.float32) / 32768.0
        self._pending = np.concatenate([self._pending, samples])
        while len(self._pending) >= WINDOW:
            window, self._pending = self._pending[:WINDOW], self._pending[WINDOW:]
            self._last = self._run(window)
        return self._last

    def skip(self, frame: AudioFrame) -> None:
        """Account for a frame without running the model (keeps the context window fresh)."""
        samples = frame.to_array().astype(np.float32) / 32768.0
        self._context = np.concatenate([self._context, samples])[-CONTEXT:]
        self._pending = np.zeros(0, dtype=np.float32)
        self._last = 0.0

    def _run(self, window: np.ndarray) -> float:
        x = np.concatenate([self._context, window])[np.newaxis, :]
        out, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = window[-CONTEXT:]
        return float(np.asarray(out).reshape(-1)[0])
