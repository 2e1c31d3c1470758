"""Keep serving the last valid knowledge base when an edit breaks it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ivr.nlu.kb import load_knowledge_with_warnings
from ivr.nlu.model import KnowledgeBase, KnowledgeLintError, LintIssue

log = logging.getLogger(__name__)


class KnowledgeHolder:
    """The knowledge base currently served; :meth:`reload` swaps it only when the files are valid.

    ``on_change`` is called with each newly accepted knowledge base (e.g. to rebuild the matcher).
    """

    def __init__(
        self,
        directory: Path,
        *,
        on_change: Callable[[KnowledgeBase], None] | None = None,
    ) -> None:
        self.directory = directory
        self._on_change = on_change
        self._lock = threading.Lock()
        kb, warnings = load_knowledge_with_warnings(directory)  # raises: nothing valid to serve yet
        for issue in warnings:
            log.warning("knowledge: %s", issue.format(directory))
        self._kb = kb
        if on_change is not None:
            on_change(kb)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base being served."""
        return self._kb

    def reload(self) -> list[LintIssue]:
        """Re-read the directory; keep the current knowledge base if the new one has errors.

        Returns every issue found (empty when the files are clean).
        """
        try:
            kb, issues = load_knowledge_with_warnings(self.directory)
        except KnowledgeLintError as exc:
            log.error("knowledge reload refused, still serving version %s: %s", self._kb.version, exc.message)
            return exc.issues
        with self._lock:
            changed = kb.version != self._kb.version
            self._kb = kb
        if changed:
            log.info("knowledge reloaded: version %s, %d intents", kb.version, len(kb.intents))
            if self._on_change is not None:
                self._on_change(kb)
        return issues
