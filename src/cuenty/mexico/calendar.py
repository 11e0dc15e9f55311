"""Mexican business-day calendars: the federal one for legal deadlines and the banking one for SPEI.

Pure ``datetime.date`` arithmetic. Callers convert instants to America/Mexico_City first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable

import holidays
from dateutil.easter import easter

HolidaysFunction = Callable[[int], Collection[datetime.date]]
"""Returns the non-working days (besides weekends) of one calendar year."""

# A calendar whose business days are further apart than this is treated as misconfigured,
# so that the searches below stop. The longest real gap is a few days around a holiday.
MAX_NON_BUSINESS_RUN_DAYS = 366

_SATURDAY = 5


def statutory_holidays(year: int) -> frozenset[datetime.date]:
    """Return the mandatory rest days of Ley Federal del Trabajo art. 74 in ``year``.

    They are 1 January, the first Monday of February, the third Monday of March, 1 May,
    16 September, the third Monday of November and 25 December. Every six years the day
    the new President takes office is added: 1 October since 2024, 1 December before.
    ``holidays.Mexico`` from the ``holidays`` package (0.109) contains exactly these days.
    Art. 74 also makes election days rest days, but federal elections fall on Sundays,
    so they are not added.
    """
    return frozenset(holidays.Mexico(years=year).keys())


def holy_week_days(year: int) -> tuple[datetime.date, datetime.date]:
    """Return Holy Thursday and Good Friday (Jueves y Viernes Santo) of ``year``."""
    easter_sunday = easter(year)
    return (
        easter_sunday - datetime.timedelta(days=3),
        easter_sunday - datetime.timedelta(days=2),
    )


def bank_holidays(year: int) -> frozenset[datetime.date]:
    """Return the days on which Mexican banks close, computed from the usual rules.

    Each December the CNBV publishes in the Diario Oficial the days of the next year on
    which banks close. The list has been the art. 74 days plus Holy Thursday, Good Friday,
    2 November and 12 December, including 1 October 2024 for the presidential inauguration.
    For 2026 that gives 1 Jan, 2 Feb, 16 Mar, 2-3 Apr, 1 May, 16 Sep, 2 Nov, 16 Nov,
    12 Dec (a Saturday) and 25 Dec. SPEI runs every day, but its operation dates
    (fechas de operación) are banking days.
    Sources opened: the CNBV list for 2016, a press report on the list for 2026 and a
    report on the ABM notice about 1 October 2024:
    https://studylib.es/doc/7391496
    https://www.cronista.com/mexico/actualidad-mx/el-gobierno-confirmo-13-dias-sin-bancos-de-forma-oficial-todos-deberan-cerrar-sus-puertas-y-suspender-operaciones-presenciales-en-el-2026/
    https://jornada.com.mx/noticia/2024/09/27/economia/bancos-cerraran-el-1deg-de-octubre-por-toma-de-protesta-de-sheinbaum-9824
    NOTE: computed, not read from the published list, so pass any further day as an extra day.
    """
    return frozenset(
        {
            *statutory_holidays(year),
            *holy_week_days(year),
            datetime.date(year, 11, 2),
            datetime.date(year, 12, 12),
        }
    )


class BusinessCalendar:
    """Business days: Monday to Friday, except the holidays of each year and the extra days.

    ``holidays_fn`` returns the holidays of one year and is called once per year.
    ``extra_days`` are further non-working days, such as days an authority declares.
    """

    def __init__(
        self,
        name: str,
        holidays_fn: HolidaysFunction,
        extra_days: Iterable[datetime.date] = frozenset(),
    ) -> None:
        self.name = name
        self.extra_days = frozenset(extra_days)
        self._holidays_fn = holidays_fn
        self._holidays_by_year: dict[int, frozenset[datetime.date]] = {}

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, extra_days={len(self.extra_days)})"

    def holidays(self, year: int) -> frozenset[datetime.date]:
        """Return the holidays that ``holidays_fn`` gives for ``year``, without ``extra_days``."""
        cached = self._holidays_by_year.get(year)
        if cached is None:
            cached = frozenset(self._holidays_fn(year))
            self._holidays_by_year[year] = cached
        return cached

    def is_business_day(self, day: datetime.date) -> bool:
        """Return whether ``day`` is a weekday that is neither a holiday nor an extra day."""
        if day.weekday() >= _SATURDAY:
            return False
        if day in self.extra_days:
            return False
        return day not in self.holidays(day.year)

    def next_business_day_on_or_after(self, day: datetime.date) -> datetime.date:
        """Return ``day`` if it is a business day, otherwise the first business day after it."""
        candidate = day
        for _ in range(MAX_NON_BUSINESS_RUN_DAYS):
            if self.is_business_day(candidate):
                return candidate
            candidate += datetime.timedelta(days=1)
        raise ValueError(
            f"calendar {self.name!r} has no business day in the "
            f"{MAX_NON_BUSINESS_RUN_DAYS} days from {day.isoformat()}; check its extra days"
        )

    def business_day_after(self, day: datetime.date) -> datetime.date:
        """Return the first business day strictly after ``day``."""
        return self.next_business_day_on_or_after(day + datetime.timedelta(days=1))

    def add_business_days(self, day: datetime.date, count: int) -> datetime.date:
        """Return the ``count``-th business day after ``day``.

        Counting starts on the day after ``day``, whether or not ``day`` itself is a
        business day. So a request received on Saturday has Monday as business day 1,
        and ``count`` 0 returns ``day`` unchanged. Raises ValueError for a negative count.
        """
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count}")
        current = day
        for _ in range(count):
            current = self.business_day_after(current)
        return current

    def business_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Return the number of business days after ``start`` up to and including ``end``.

        This inverts ``add_business_days``: for ``count`` >= 0,
        ``business_days_between(d, add_business_days(d, count)) == count``.
        Raises ValueError when ``end`` is before ``start``.
        """
        if end < start:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        total = 0
        for offset in range(1, (end - start).days + 1):
            if self.is_business_day(start + datetime.timedelta(days=offset)):
                total += 1
        return total


def federal_calendar(extra_days: Iterable[datetime.date] = ()) -> BusinessCalendar:
    """Build the calendar of días hábiles for legal deadlines, such as ARCO requests.

    Non-working days are weekends, the art. 74 rest days and ``extra_days``. Federal
    authorities usually also declare Holy Thursday and Good Friday, and sometimes other
    days, in the Diario Oficial. Pass those as ``extra_days``, for example
    ``holy_week_days(2026)``.
    """
    return BusinessCalendar("federal", statutory_holidays, extra_days)


def banking_calendar(extra_days: Iterable[datetime.date] = ()) -> BusinessCalendar:
    """Build the calendar of banking days, which are the possible SPEI operation dates.

    Non-working days are weekends, ``bank_holidays`` and ``extra_days``.
    """
    return BusinessCalendar("banking", bank_holidays, extra_days)
