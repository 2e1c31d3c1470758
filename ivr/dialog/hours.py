"""Opening hours per service: weekly schedule, French public holidays, exceptional closures.

Naive datetimes are read as local time (``DialogSettings.timezone``); aware ones are converted. Results are
aware datetimes in that timezone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

from ivr.config import DialogSettings
from ivr.dialog.kbview import KnowledgeView, ServiceView, Slots

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 400


class DayStatus(StrEnum):
    """What the greeting says about today."""

    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One service's weekly slots (index 0 = Monday) and exceptional closures."""

    week: tuple[Slots, ...]
    closures: frozenset[date] = frozenset()

    @classmethod
    def from_service(cls, svc: ServiceView) -> Schedule:
        """Build from a :class:`ServiceView` (weekday keys ``mon`` .. ``sun``)."""
        week = tuple(tuple(sorted(svc.hours.get(day, ()))) for day in WEEKDAYS)
        return cls(week=week, closures=frozenset(svc.closures))

    @property
    def never_open(self) -> bool:
        """True for a service with no opening slot at all (e.g. ``urgence``)."""
        return not any(self.week)


class OpeningHours:
    """Answers "is it open now?" and "when does it open next?" for every service."""

    def __init__(
        self,
        schedules: Mapping[str, Schedule],
        timezone: str = "Europe/Paris",
        *,
        main_service: str = DialogSettings().reception_service,
        public_holidays: Iterable[date] | None = None,
    ) -> None:
        self._schedules = dict(schedules)
        self.tz = ZoneInfo(timezone)
        self.main_service = main_service
        self._holidays: holidays.HolidayBase | frozenset[date]
        if public_holidays is None:
            self._holidays = holidays.country_holidays("FR", language="fr")
        else:
            self._holidays = frozenset(public_holidays)

    @classmethod
    def from_knowledge(cls, kb: KnowledgeView, settings: DialogSettings) -> OpeningHours:
        """Every service of ``kb`` in ``settings.timezone``."""
        schedules = {s.id: Schedule.from_service(s) for s in kb.services()}
        return cls(schedules, settings.timezone, main_service=settings.reception_service)

    def local(self, when: datetime) -> datetime:
        """``when`` as an aware local datetime."""
        return when.replace(tzinfo=self.tz) if when.tzinfo is None else when.astimezone(self.tz)

    def is_holiday(self, day: date) -> bool:
        """True on a French public holiday."""
        return day in self._holidays

    def schedule(self, service: str) -> Schedule | None:
        """The service's schedule, or ``None`` if unknown."""
        return self._schedules.get(service)

    def _slots(self, service: str, day: date) -> Slots:
        sched = self._schedules.get(service)
        if sched is None or day in sched.closures or self.is_holiday(day):
            return ()
        return sched.week[day.weekday()]

    def is_open(self, service: str, when: datetime) -> bool:
        """True if ``service`` takes calls at ``when`` (start inclusive, end exclusive)."""
        local = self.local(when)
        now = local.time()
        return any(start <= now < end for start, end in self._slots(service, local.date()))

    def next_opening(self, service: str, when: datetime) -> datetime | None:
        """The earliest moment >= ``when`` at which ``service`` is open; ``None`` if never (within a year)."""
        local = self.local(when)
        sched = self._schedules.get(service)
        if sched is None or sched.never_open:
            return None
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, end in self._slots(service, day):
                opening = datetime.combine(day, start, tzinfo=self.tz)
                closing = datetime.combine(day, end, tzinfo=self.tz)
                if closing <= local:
                    continue
                return max(opening, local)
        return None

    def day_status(self, when: datetime, service: str | None = None) -> DayStatus:
        """``holiday`` on a public holiday, else ``open`` if the reception is open at ``when``, else ``closed``."""
        local = self.local(when)
        if self.is_holiday(local.date()):
            return DayStatus.HOLIDAY
        return DayStatus.OPEN if self.is_open(service or self.main_service, local) else DayStatus.CLOSED

    def week_of(self, service: str) -> tuple[Slots, ...]:
        """The weekly slots of ``service`` (seven empty tuples if unknown)."""
        sched = self._schedules.get(service)
        return sched.week if sched is not None else ((),) * 7


def parse_slots(ranges: Iterable[str]) -> Slots:
    """``["08:30-12:00", "13:30-17:30"]`` -> slots (for tests and hand-built views)."""
    out: list[tuple[time, time]] = []
    for text in ranges:
        start, _, end = text.partition("-")
        out.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return tuple(out)
