"""Moments as whole microseconds since the epoch: how a window is kept in Redis (the coupon gate's
issue window, the sold-out mark's sale window), exact and comparable as integers in Lua and Python."""

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Whole microseconds since the epoch (exact, as stored)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def window(starts_at: datetime | None, ends_at: datetime | None) -> str:
    """`starts:ends` in microseconds, a side left empty for none."""
    return f"{'' if starts_at is None else micros(starts_at)}:{'' if ends_at is None else micros(ends_at)}"


def window_open(stored: bytes | str, at: datetime) -> bool:
    """Whether `at` is inside a stored `window` (half-open: [starts, ends))."""
    starts, ends = (stored.decode() if isinstance(stored, bytes) else stored).split(":")
    now = micros(at)
    return (not starts or now >= int(starts)) and (not ends or now < int(ends))
