"""Pre-rendering every system prompt and knowledge-base voice answer, so a call never waits for synthesis."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tqdm import tqdm

from ivr.config import Settings
from ivr.tts.base import LANGS
from ivr.tts.cache import CachedTts


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did."""

    rendered: int
    """Texts synthesised now."""
    cached: int
    """Texts already in the cache."""
    seconds: float
    """Wall time of the build."""


def voice_texts(settings: Settings, langs: Sequence[str] = LANGS) -> list[tuple[str, str]]:
    """Every ``(text, lang)`` the bot may say: the dialog's system prompts, then the KB voice answers."""
    from ivr.dialog.prompts import all_prompt_texts
    from ivr.nlu.kb import load_knowledge

    kb = load_knowledge(settings.paths.knowledge_dir)
    texts: list[tuple[str, str]] = []
    for lang in langs:
        texts.extend((text, lang) for text in all_prompt_texts(lang))
        for intent in kb.intents.values():
            answer = intent.answers.get(lang)
            if answer is not None and answer.voice.strip():
                texts.append((answer.voice, lang))
    return texts


async def build_voices(
    tts: CachedTts, texts: Iterable[tuple[str, str]], *, progress: bool = False
) -> BuildReport:
    """Render every ``(text, lang)`` missing from the cache; texts that normalise alike are rendered once."""
    started = time.perf_counter()
    unique: dict[object, tuple[str, str]] = {}
    for text, lang in texts:
        if text.strip():
            unique.setdefault(tts.path_for(text, lang), (text, lang))
    rendered = cached = 0
    with tqdm(total=len(unique), desc="voices", unit="text", disable=not progress) as bar:
        for text, lang in unique.values():
            if tts.is_cached(text, lang):
                cached += 1
            else:
                await tts.ensure(text, lang)
                rendered += 1
            bar.update(1)
    return BuildReport(rendered=rendered, cached=cached, seconds=time.perf_counter() - started)
