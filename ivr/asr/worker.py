"""One whisper model in memory, shared by every call: a single worker thread fed by a queue.

Utterances waiting when the worker becomes free are decoded together in one CTranslate2 batch
(``encode`` + ``generate`` take batches), which is what keeps latency bounded when calls overlap.
Every decode is bounded: the generation length is capped by the audio length, repetition is penalised
inside the beam search, and a looping result is trimmed or rejected (``ivr.asr.loops``) instead of being
decoded again by faster-whisper's sequential 30 s loop (4–7 s per utterance, issue 9). That loop is only
used offline, for files longer than one window (the VAD caps a caller's utterance at 15 s).
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ivr.asr.backlog import CostMeter, RecognitionLoad
from ivr.asr.loops import clean, max_tokens
from ivr.asr.padding import fit_window
from ivr.asr.types import Hypotheses, alternatives_of
from ivr.errors import AsrError, ModelError

log = logging.getLogger(__name__)

MAX_PROMPT_TOKENS = 120
BATCHES_KEPT = 10_000
"""Batch sizes remembered (``WhisperWorker.batches``): a benchmark's worth, not a process lifetime's."""
LONG_AUDIO_S = 29.0
FULL_WINDOW_FRAMES = 3000
"""Whisper's training window: 30 s of 10 ms mel frames."""
WINDOW_STEP_S = 2.0
WINDOW_MARGIN_S = 1.0
MIN_WINDOW_S = 6.0
"""Shorter encoder windows make whisper repeat itself on 1-word utterances ("Merci Merci Merci")."""


@dataclass(slots=True)
class _Job:
    audio: np.ndarray
    prompt: str | None
    future: Future[str] = field(default_factory=Future)


@dataclass(frozen=True, slots=True)
class DecodeOptions:
    """How the worker decodes."""

    beam_size: int = 1
    cpu_threads: int = 2
    max_batch: int = 4
    batching: bool = True
    adaptive_window: bool = True
    """Encode the utterance (+1 s, rounded up to 2 s, at least ``min_window_s``) instead of a padded 30 s window."""
    repetition_penalty: float = 1.0
    """> 1 penalises tokens already generated (CTranslate2 ``generate``); 1 disables."""
    no_repeat_ngram_size: int = 0
    """Forbid any n-gram of this many tokens from appearing twice in one decode; 0 disables."""
    initial_cost_s: float = 0.9
    """Per-utterance cost assumed before the first batch is measured (LAB-NOTES §6: p50 0.95 s)."""
    min_window_s: float = MIN_WINDOW_S
    """Shortest encoder window of the adaptive mode (``asr.min_window_s``)."""
    no_speech_threshold: float = 0.6
    """A result is dropped as silence when whisper's no-speech probability is above this ..."""
    logprob_threshold: float = -1.0
    """... and its average token log-probability below this (whisper's own rule; threshold 1 disables)."""
    n_best: int = 1
    """Hypotheses kept from the beam (at most ``beam_size``): the others ride on the text as alternatives."""
    compute_type: str = "int8"
    """CTranslate2 weight type on CPU (``int8``, ``int8_float32``, ``float32``): the model ships in float16."""
    patience: float = 1.0
    """Beam search patience (CTranslate2): finished hypotheses wanted = ``beam_size`` x this."""
    length_penalty: float = 1.0
    """Exponent of the length normalisation of beam scores (CTranslate2 ``generate``)."""
    timestamps: bool = False
    """Decode in timestamp mode (whisper predicts segment times; the text keeps only the words)."""
    suppress_blank: bool = True
    """Forbid a blank or end-of-text as the first token (whisper's default)."""
    pad_silence: bool = False
    """Pad the encoder window with the log-mel silence floor, as whisper was trained (``ivr.asr.padding``),
    instead of faster-whisper's zeros."""


class WhisperWorker:
    """Owns one faster-whisper model for one language; ``submit`` is thread-safe and non-blocking."""

    def __init__(self, model_dir: Path, lang: str, options: DecodeOptions) -> None:
        self.model_dir = model_dir
        self.lang = lang
        self.options = options
        self._model: Any = None
        self._tokenizer: Any = None
        self._suppress: list[int] = []
        self._load_lock = threading.Lock()
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.batches: collections.deque[int] = collections.deque(maxlen=BATCHES_KEPT)
        """Sizes of the last batches taken (for benchmarks and tests); a batch is counted before its callers
        wake, so whoever holds a result also sees the batch that produced it. Bounded: a bot decodes for months."""
        self.meter = CostMeter(options.initial_cost_s)

    def load_now(self) -> RecognitionLoad:
        """Utterances pending and the measured cost of one (for admission)."""
        return self.meter.snapshot()

    def load(self) -> None:
        """Load the model now (idempotent, blocking)."""
        with self._load_lock:
            if self._model is not None:
                return
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens

            started = time.perf_counter()
            try:
                model = WhisperModel(str(self.model_dir), device="cpu", compute_type=self.options.compute_type,
                                     cpu_threads=self.options.cpu_threads, num_workers=1)
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(
                    f"whisper model in {self.model_dir} cannot be loaded (corrupt?): {exc}"
                ) from exc
            if not model.model.is_multilingual and self.lang != "en":
                raise ModelError(
                    f"whisper model in {self.model_dir} is English-only, asked for {self.lang!r}"
                )
            self._tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                                        task="transcribe", language=self.lang)
            self._suppress = list(get_suppressed_tokens(self._tokenizer, [-1]))
            self._model = model
            log.info("whisper %s loaded for %s in %.1f s", self.model_dir.name, self.lang,
                     time.perf_counter() - started)

    def submit(self, audio: np.ndarray, prompt: str | None) -> Future[str]:
        """Queue float32 16 kHz audio for recognition; the future resolves to the text."""
        if self._thread is None:
            with self._load_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name=f"asr-{self.lang}", daemon=True)
                    self._thread.start()
        job = _Job(audio, prompt)
        self.meter.added()
        job.future.add_done_callback(lambda _f: self.meter.finished())  # also on cancel
        self._jobs.put(job)
        return job.future

    def close(self) -> None:
        """Stop the worker thread after the jobs already queued."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while self.options.batching and len(batch) < self.options.max_batch:
                try:
                    nxt = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._jobs.put(None)
                    break
                batch.append(nxt)
            live = [j for j in batch if j.future.set_running_or_notify_cancel()]
            if live:
                started = time.perf_counter()
                self._run_batch(live)
                self.meter.observe(time.perf_counter() - started, len(live))

    def _run_batch(self, jobs: list[_Job]) -> None:
        self.batches.append(len(jobs))
        try:
            self.load()
            groups: dict[str | None, list[_Job]] = {}
            for job in jobs:
                groups.setdefault(job.prompt, []).append(job)
            for prompt, group in groups.items():
                texts = self.decode([j.audio for j in group], prompt)
                for job, text in zip(group, texts, strict=True):
                    job.future.set_result(text)
        except Exception as exc:  # every waiting caller gets the failure, the worker survives
            err = exc if isinstance(exc, ModelError | AsrError) else AsrError(f"whisper failed: {exc}")
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(err)

    def decode(self, audios: list[np.ndarray], prompt: str | None) -> list[str]:
        """Recognise utterances in one batch; blocking, call from the worker thread.

        One bounded decode per utterance; a looping result ("Merci Merci Merci") is trimmed to its first
        occurrence or rejected. Only audio longer than one window (offline files, never a caller's
        utterance) goes through faster-whisper's sequential decoder.
        """
        self.load()
        short = [i for i, a in enumerate(audios) if len(a) <= LONG_AUDIO_S * 16000]
        texts = [""] * len(audios)
        if short:
            for i, text in zip(short, self._decode_batch([audios[i] for i in short], prompt), strict=True):
                seconds = len(audios[i]) / 16000
                cleaned = clean(text, seconds)
                if cleaned.loop != "none":
                    log.debug("whisper loop (%s) %s", cleaned.loop, "trimmed" if cleaned.text else "rejected")
                others = [clean(a, seconds).text for a in alternatives_of(text)] if cleaned.text else []
                texts[i] = Hypotheses(cleaned.text, others) if others else cleaned.text
        for i, audio in enumerate(audios):
            if i not in short:
                texts[i] = self._sequential(audio, prompt)
        return texts

    def _decode_batch(self, audios: list[np.ndarray], prompt: str | None) -> list[str]:
        model, tok = self._model, self._tokenizer
        longest = max(len(a) for a in audios) / 16000
        frames = self.window_frames(longest)
        feats = np.stack([fit_window(model.feature_extractor(a)[..., :-1], frames, silence=self.options.pad_silence)
                          for a in audios])
        previous = tok.encode(" " + prompt.strip())[-MAX_PROMPT_TOKENS:] if prompt else []
        prompt_ids = model.get_prompt(tok, previous, without_timestamps=not self.options.timestamps)
        max_length = min(model.max_length, len(prompt_ids) + max_tokens(longest))
        encoded = model.encode(feats)
        results = model.model.generate(
            encoded, [list(prompt_ids) for _ in audios], beam_size=self.options.beam_size,
            patience=self.options.patience, length_penalty=self.options.length_penalty,
            num_hypotheses=max(1, min(self.options.n_best, self.options.beam_size)),
            max_length=max_length, return_scores=True, return_no_speech_prob=True,
            suppress_blank=self.options.suppress_blank, suppress_tokens=self._suppress,
            repetition_penalty=self.options.repetition_penalty,
            no_repeat_ngram_size=self.options.no_repeat_ngram_size,
        )
        texts: list[str] = []
        for res in results:
            ids = [t for t in res.sequences_ids[0] if t < tok.eot]
            text = tok.decode(ids).strip()
            seq_len = max(len(ids), 1)
            avg_logprob = res.scores[0] * seq_len / (seq_len + 1)
            silent = res.no_speech_prob > self.options.no_speech_threshold
            if silent and avg_logprob < self.options.logprob_threshold:
                texts.append("")
                continue
            others = [tok.decode([t for t in seq if t < tok.eot]).strip() for seq in res.sequences_ids[1:]]
            texts.append(Hypotheses(text, others) if others else text)
        return texts

    def window_frames(self, seconds: float) -> int:
        """Mel frames given to the encoder for audio of ``seconds``.

        The encoder costs the same for 1 s or 30 s of speech when padded to 30 s; CTranslate2 accepts
        shorter inputs, which cuts encoder time roughly in proportion (French prompts, beam 5, 40 samples:
        WER 18.7 % with a 6 s minimum vs 17.5 % with 30 s, ≈4x faster).
        """
        if not self.options.adaptive_window:
            return FULL_WINDOW_FRAMES
        steps = int(np.ceil((seconds + WINDOW_MARGIN_S) / WINDOW_STEP_S))
        window = max(self.options.min_window_s, steps * WINDOW_STEP_S)
        return min(FULL_WINDOW_FRAMES, int(window * 100))

    def _sequential(self, audio: np.ndarray, prompt: str | None) -> str:
        """Decode with faster-whisper's own loop (30 s windows, temperature fallback): offline files only."""
        segments, _ = self._model.transcribe(
            audio, language=self.lang if self._model.model.is_multilingual else None,
            initial_prompt=prompt, beam_size=max(self.options.beam_size, 5), without_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
        )
        return " ".join(s.text.strip() for s in segments).strip()

