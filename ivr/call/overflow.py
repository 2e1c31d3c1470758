"""The shell around admission: a call the bot does not take hears a recorded message and goes to a person.

Nothing here recognises speech (that is what is saturated): the message is a file Asterisk plays from
the dialplan (``[ivr-overflow]``), then the caller waits in the reception queue; in ``callback`` mode key 1
comes back here (Stasis ``overflow-callback``) to store a callback, and the caller hears a confirmation.
Every such call emits ``started``, ``overflow`` and ``transfer`` or ``callback``: a defined outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path

from ivr.call import events as ce
from ivr.call.admission import Overflow
from ivr.call.events import CallEvents
from ivr.call.refusal import is_withheld, refusal_of
from ivr.call.services import BotServices
from ivr.dialog.events import CallbackRefusal
from ivr.dialog.prompts import render
from ivr.dialog.records import CallbackDeclined
from ivr.errors import AriError, IvrError
from ivr.telephony.ari.events import StasisStart
from ivr.tts.cache import write_atomic

log = logging.getLogger(__name__)

LANG = "fr"
"""A new call starts in French (key 9 switches, but nobody reaches that menu here)."""
CALLBACK_SUMMARY = "Rappel demandé : lignes automatiques saturées"


WARM_PROMPTS = ("overflow_queue", "overflow_callback", "overflow_callback_done")
"""The messages a caller the bot does not take may hear, rendered when the bot starts."""


class OverflowDesk:
    """Sends calls the bot does not take to reception, or offers them a callback."""

    def __init__(self, services: BotServices) -> None:
        self.services = services
        self._sounds: dict[str, Path] = {}
        self._lock = asyncio.Lock()

    async def send(self, channel_id: str, caller_number: str, verdict: Overflow) -> str:
        """Play the message and queue the caller (or offer a callback); returns the call id."""
        call_id = str(uuid.uuid4())
        events = CallEvents(call_id, self.services.hub, self.services.clock.now)
        await events.emit(ce.Started(channel=channel_id, number=caller_number))
        await events.emit(ce.CallOverflowed(verdict.to, verdict.reason, round(verdict.predicted_s, 2)))
        offer = verdict.to == "callback" and self.services.actions is not None
        sound = await self._sound("overflow_callback" if offer else "overflow_queue")
        ari = self.services.ari
        await ari.set_variable(channel_id, "IVR_CALL_ID", call_id)
        await ari.set_variable(channel_id, "IVR_OVERFLOW_PROMPT", str(sound))
        await ari.continue_in_dialplan(channel_id, "ivr-overflow", "callback" if offer else "queue")
        await events.emit(ce.Handoff(self.services.settings.asterisk.fallback_queue, ce.HandoffReason.OVERLOAD))
        log.info("call not taken by the bot (%s, predicted %.1f s): %s", verdict.reason, verdict.predicted_s,
                 "callback offer" if offer else "reception queue")
        return call_id

    async def on_callback_key(self, event: StasisStart) -> None:
        """Key 1 after the overflow message: store a callback, confirm, hang up (from the dialplan)."""
        ch = event.channel
        ari = self.services.ari
        call_id = ""
        with contextlib.suppress(AriError):
            call_id = await ari.get_variable(ch.id, "IVR_CALL_ID")
        events = CallEvents(call_id or str(uuid.uuid4()), self.services.hub, self.services.clock.now)
        service = self.services.settings.asterisk.fallback_queue
        now = self.services.clock.now()
        refused: CallbackRefusal | None = "withheld" if is_withheld(ch.caller_number) else None
        try:
            if self.services.actions is None:
                raise RuntimeError("no callback service")
            if refused is None:
                await self.services.actions.schedule_callback(events.call_id, ch.caller_number, service, LANG,
                                                              CALLBACK_SUMMARY, now)
        except IvrError as exc:  # premium or foreign number, caps, store: a refusal said to the caller
            log.info("overflow callback refused: %s", exc.code)
            refused = refusal_of(exc)
        except Exception:  # the caller is not left in silence: reception takes the call
            log.exception("overflow callback could not be stored")
            await ari.continue_in_dialplan(ch.id, "ivr-queue", service)
            await events.emit(ce.Handoff(service, ce.HandoffReason.OVERLOAD))
            return
        if refused is not None:  # why, then reception's queue ([ivr-overflow] queue: the message, then Queue)
            await events.emit(CallbackDeclined(refused, "reception"))
            sound = await self._sound(f"callback_refused_{refused}")
            await ari.set_variable(ch.id, "IVR_OVERFLOW_PROMPT", str(sound))
            await ari.continue_in_dialplan(ch.id, "ivr-overflow", "queue")
            await events.emit(ce.Handoff(service, ce.HandoffReason.OVERLOAD))
            return
        await events.emit(ce.CallbackScheduled(service, now, reason="overload"))
        await ari.set_variable(ch.id, "IVR_OVERFLOW_PROMPT", str(await self._sound("overflow_callback_done")))
        await ari.continue_in_dialplan(ch.id, "ivr-overflow-done", "s")

    async def warm(self) -> None:
        """Render the overflow messages before the first call needs them.

        The first caller over capacity arrives when the machine is busiest: rendered on first use, the message
        left that caller about 2.5 s of silence after the answer on a loaded machine. A failure here is not
        fatal: the message is then rendered on first use, as before.
        """
        for key in WARM_PROMPTS:
            try:
                await self._sound(key)
            except Exception:  # any engine failure: logged, and the call that needs it renders it again
                log.warning("overflow message %s not rendered in advance", key, exc_info=True)

    async def _sound(self, key: str) -> Path:
        """The prompt as a ``.sln16`` file Asterisk plays; the path is given without extension."""
        async with self._lock:
            if key not in self._sounds:
                pcm = await self.services.tts.synthesize(render(key, LANG), LANG)
                path = self.services.settings.paths.home / "sounds" / f"{key}-{LANG}.sln16"
                await asyncio.to_thread(write_atomic, path, pcm)
                self._sounds[key] = path.resolve().with_suffix("")
            return self._sounds[key]
