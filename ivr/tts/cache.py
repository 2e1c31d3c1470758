"""The voice cache: every utterance rendered ONCE to raw signed-linear 16 kHz (``.sln16``).

Layout: ``<cache_dir>/<engine>/<voice>/<sha256(normalised text)[:24]>.sln16`` where ``<engine>/<voice>``
is the engine's ``voice_id(lang)``. Asterisk plays these natively (``sound:/abs/path/without/extension``)
and the bot streams the same bytes directly. Files are written atomically (temporary file + rename), so
a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath

from ivr.audio.frame import AudioFrame
from ivr.config import Settings
from ivr.errors import TtsError
from ivr.tts.base import TextToSpeech, iter_frames
from ivr.tts.normalize import normalize_for_speech

SUFFIX = ".sln16"
KEY_CHARS = 24


def cache_root(settings: Settings) -> Path:
    """Return ``<voices_dir>/cache`` (git-ignored)."""
    return settings.paths.voices_dir / "cache"


def cache_key(text: str, lang: str) -> str:
    """Return the first 24 hex digits of the SHA-256 of the normalised text."""
    return hashlib.sha256(normalize_for_speech(text, lang).encode("utf-8")).hexdigest()[:KEY_CHARS]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CachedTts:
    """Wraps any engine: a hit reads the file, a miss synthesises and stores it. Also a TextToSpeech."""

    def __init__(self, engine: TextToSpeech, cache_dir: Path) -> None:
        self.engine = engine
        self.cache_dir = cache_dir
        self._locks: dict[Path, asyncio.Lock] = {}

    def voice_id(self, lang: str) -> str:
        """Return the wrapped engine's voice."""
        return self.engine.voice_id(lang)

    def path_for(self, text: str, lang: str) -> Path:
        """Return where the rendering of ``text`` lives (whether or not it exists yet)."""
        voice = PurePosixPath(self.engine.voice_id(lang))
        if voice.is_absolute() or ".." in voice.parts or len(voice.parts) != 2:
            raise TtsError(f"voice id must be '<engine>/<voice>', got {voice}")
        return self.cache_dir.joinpath(*voice.parts) / f"{cache_key(text, lang)}{SUFFIX}"

    def sound_uri(self, text: str, lang: str) -> str:
        """Return what ARI ``play`` takes: ``sound:`` + the absolute path without extension."""
        path = self.path_for(text, lang).resolve()
        return f"sound:{path.with_suffix('')}"

    def is_cached(self, text: str, lang: str) -> bool:
        """Tell whether ``text`` is already rendered."""
        return self.path_for(text, lang).is_file()

    async def ensure(self, text: str, lang: str) -> Path:
        """Return the path of the rendering, synthesising it first if missing."""
        path = self.path_for(text, lang)
        if path.is_file():
            return path
        lock = self._locks.setdefault(path, asyncio.Lock())
        async with lock:  # two calls asking for the same new text synthesise it once
            if not path.is_file():
                pcm = await self.engine.synthesize(text, lang)
                await asyncio.to_thread(write_atomic, path, pcm)
        self._locks.pop(path, None)
        return path

    async def render_transient(self, text: str, lang: str, directory: Path) -> Path:
        """Render ``text`` into a fresh file of ``directory``, never into the cache: the caller deletes it.

        For texts holding personal data (a citizen's name and words in a callback intro): the permanent
        cache is keyed by the text's hash and never purged, so it must only hold the city's own prompts.
        """
        pcm = await self.engine.synthesize(text, lang)
        path = directory / f"{uuid.uuid4().hex}{SUFFIX}"
        await asyncio.to_thread(write_atomic, path, pcm)
        path.chmod(0o600)
        return path

    async def synthesize(self, text: str, lang: str) -> bytes:
        """Return PCM from the cache (rendering and storing it on a miss)."""
        path = await self.ensure(text, lang)
        return await asyncio.to_thread(path.read_bytes)

    async def stream(self, text: str, lang: str) -> AsyncIterator[AudioFrame]:
        """Stream the file on a hit; on a miss stream the engine and store the audio once complete."""
        path = self.path_for(text, lang)
        if path.is_file():
            async for frame in iter_frames(await asyncio.to_thread(path.read_bytes)):
                yield frame
            return
        chunks: list[bytes] = []
        async for frame in self.engine.stream(text, lang):
            chunks.append(frame.pcm)
            yield frame
        # only a stream consumed to the end gets here (an early close skips storing a truncated take)
        await asyncio.to_thread(write_atomic, path, b"".join(chunks))
