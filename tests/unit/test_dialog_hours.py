"""Opening hours: weekly schedule, French public holidays, exceptional closures, time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.dialog.hours import DayStatus, OpeningHours, Schedule, parse_slots
from ivr.dialog.kbview import ServiceView
from ivr.dialog.spoken_time import say_week, say_when

PARIS = ZoneInfo("Europe/Paris")
OFFICE = parse_slots(["08:30-12:00", "13:30-17:30"])
WEEK = {d: OFFICE for d in ("mon", "tue", "wed", "thu", "fri")}
ACCUEIL = ServiceView("accueil", {"fr": "accueil"}, dict(WEEK, sat=parse_slots(["09:00-12:00"])),
                      closures=(date(2026, 12, 24),))
ELECTIONS = ServiceView("elections", {"fr": "élections"}, WEEK)
URGENCE = ServiceView("urgence", {"fr": "urgences"})


@pytest.fixture
def hours() -> OpeningHours:
    return OpeningHours({s.id: Schedule.from_service(s) for s in (ACCUEIL, ELECTIONS, URGENCE)}, "Europe/Paris")


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


@pytest.mark.parametrize(("when", "service", "is_open", "status", "reopens"), [
    (at(2026, 12, 15, 10), "accueil", True, DayStatus.OPEN, at(2026, 12, 15, 10)),  # Tuesday morning
    (at(2026, 12, 15, 12, 30), "accueil", False, DayStatus.CLOSED, at(2026, 12, 15, 13, 30)),  # lunch break
    (at(2026, 12, 15, 12), "accueil", False, DayStatus.CLOSED, at(2026, 12, 15, 13, 30)),  # end is exclusive
    (at(2026, 12, 15, 8, 30), "accueil", True, DayStatus.OPEN, at(2026, 12, 15, 8, 30)),  # start is inclusive
    (at(2026, 12, 15, 18), "accueil", False, DayStatus.CLOSED, at(2026, 12, 16, 8, 30)),  # evening
    (at(2026, 12, 19, 10), "accueil", True, DayStatus.OPEN, at(2026, 12, 19, 10)),  # Saturday morning
    (at(2026, 12, 19, 10), "elections", False, DayStatus.OPEN, at(2026, 12, 21, 8, 30)),  # ...not elections
    (at(2026, 12, 19, 14), "accueil", False, DayStatus.CLOSED, at(2026, 12, 21, 8, 30)),  # Saturday afternoon
    (at(2026, 12, 13, 10), "accueil", False, DayStatus.CLOSED, at(2026, 12, 14, 8, 30)),  # Sunday
    (at(2026, 7, 14, 10), "accueil", False, DayStatus.HOLIDAY, at(2026, 7, 15, 8, 30)),  # Bastille Day
    (at(2026, 12, 25, 10), "accueil", False, DayStatus.HOLIDAY, at(2026, 12, 26, 9)),  # Christmas
    (at(2026, 12, 24, 10), "accueil", False, DayStatus.CLOSED, at(2026, 12, 26, 9)),  # exceptional closure
    (at(2026, 12, 24, 10), "elections", True, DayStatus.CLOSED, at(2026, 12, 24, 10)),  # ...of accueil only
    (at(2026, 4, 6, 10), "accueil", False, DayStatus.HOLIDAY, at(2026, 4, 7, 8, 30)),  # Easter Monday
])
def test_hours(hours: OpeningHours, when: datetime, service: str, is_open: bool, status: DayStatus,
               reopens: datetime) -> None:
    assert hours.is_open(service, when) is is_open
    assert hours.day_status(when) is status
    assert hours.next_opening(service, when) == reopens


def test_time_zone_and_naive_times(hours: OpeningHours) -> None:
    utc = datetime(2026, 12, 15, 8, 0, tzinfo=UTC)  # 9:00 in Paris (winter)
    assert hours.is_open("accueil", utc)
    summer = datetime(2026, 6, 16, 6, 45, tzinfo=UTC)  # 8:45 in Paris (summer time)
    assert hours.is_open("accueil", summer)
    assert hours.is_open("accueil", datetime(2026, 12, 15, 9, 0))  # naive = local
    nxt = hours.next_opening("accueil", datetime(2026, 12, 15, 19, 0, tzinfo=UTC))
    assert nxt is not None and nxt.tzinfo is not None and nxt.utcoffset() is not None
    assert (nxt.hour, nxt.minute, nxt.day) == (8, 30, 16)


def test_never_open_and_unknown_services(hours: OpeningHours) -> None:
    assert not hours.is_open("urgence", at(2026, 12, 15, 10))
    assert hours.next_opening("urgence", at(2026, 12, 15, 10)) is None
    assert hours.next_opening("nope", at(2026, 12, 15, 10)) is None


def test_spoken_schedule_and_times(hours: OpeningHours) -> None:
    assert say_week(hours.week_of("accueil"), "fr") == (
        "du lundi au vendredi de 8 h 30 à midi et de 13 h 30 à 17 h 30, et le samedi de 9 h à midi")
    assert say_week(hours.week_of("accueil"), "en") == (
        "Monday to Friday from 8:30 am to noon and from 1:30 pm to 5:30 pm, and Saturday from 9 am to noon")
    now = at(2026, 12, 15, 20)
    assert say_when(at(2026, 12, 16, 8, 30), now, "fr") == "demain à 8 h 30"
    assert say_when(at(2026, 12, 19, 9), now, "fr") == "samedi à 9 h"
    assert say_when(at(2027, 1, 1, 14), now, "fr") == "le vendredi 1er janvier à 14 h"
    assert say_when(at(2026, 12, 15, 20, 30), now, "en") == "today at 8:30 pm"
    assert say_when(at(2026, 12, 21, 8, 30), now, "en") == "on Monday at 8:30 am"
