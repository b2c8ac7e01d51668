"""NCRONTAB schedules as the Functions timer trigger reads them: six fields,
``{second} {minute} {hour} {day} {month} {day-of-week}``, evaluated in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_FIELDS = (
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 6),
)
_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12, "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
}  # fmt: skip


class NCronTab:
    def __init__(self, expression: str) -> None:
        parts = expression.split()
        if len(parts) != 6:
            raise ValueError(
                f"NCRONTAB needs 6 fields (second minute hour day month weekday): {expression!r}"
            )
        self.expression = expression
        self.sets = [
            _parse_field(part, low, high, name)
            for part, (name, low, high) in zip(parts, _FIELDS, strict=True)
        ]
        self._day_any = parts[3] == "*" or parts[3] == "?"
        self._weekday_any = parts[5] == "*" or parts[5] == "?"

    def matches(self, moment: datetime) -> bool:
        second, minute, hour, day, month, weekday = self.sets
        if moment.second not in second or moment.minute not in minute or moment.hour not in hour:
            return False
        if moment.month not in month:
            return False
        day_ok = moment.day in day
        weekday_ok = (moment.isoweekday() % 7) in weekday
        if self._day_any or self._weekday_any:
            return day_ok and weekday_ok
        return day_ok or weekday_ok  # cron rule: both restricted -> either may match

    def next_after(self, moment: datetime) -> datetime:
        """First firing time strictly after ``moment`` (UTC)."""
        current = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        limit = current + timedelta(days=366 * 5)
        while current < limit:
            if current.month not in self.sets[4]:
                current = (current.replace(day=1, hour=0, minute=0, second=0) + timedelta(days=32)).replace(
                    day=1
                )
                continue
            if not self._day_matches(current):
                current = current.replace(hour=0, minute=0, second=0) + timedelta(days=1)
                continue
            if current.hour not in self.sets[2]:
                current = current.replace(minute=0, second=0) + timedelta(hours=1)
                continue
            if current.minute not in self.sets[1]:
                current = current.replace(second=0) + timedelta(minutes=1)
                continue
            if current.second not in self.sets[0]:
                current += timedelta(seconds=1)
                continue
            return current
        raise ValueError(f"schedule {self.expression!r} never fires")

    def _day_matches(self, moment: datetime) -> bool:
        day_ok = moment.day in self.sets[3]
        weekday_ok = (moment.isoweekday() % 7) in self.sets[5]
        if self._day_any or self._weekday_any:
            return day_ok and weekday_ok
        return day_ok or weekday_ok


def _parse_field(text: str, low: int, high: int, name: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.lower().split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise ValueError(f"bad step in {name} field: {text!r}")
        if item in ("*", "?"):
            start, end = low, high
        elif "-" in item:
            first, last = item.split("-", 1)
            start, end = _value(first, name), _value(last, name)
        else:
            start = _value(item, name)
            end = high if step != 1 else start
        if name == "weekday" and end == 7:
            end = 6
            values.add(0)
        if start < low or end > high or start > end:
            raise ValueError(f"{name} field out of range {low}-{high}: {text!r}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, name: str) -> int:
    if text in _NAMES:
        return _NAMES[text]
    if not text.isdigit():
        raise ValueError(f"bad value {text!r} in {name} field")
    number = int(text)
    return 0 if name == "weekday" and number == 7 else number
