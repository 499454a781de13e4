"""Qualification status (资格状态) as a pure function of ledger entries, profile and date.

Nothing here touches the database: ``derive(entries, params)`` walks the ledger in date order
and returns the suspension/termination periods and the points events; ``status_at`` reads the
status on one date. The stored periods (``periods.py``) are a copy of ``derive``'s output.

Semantics (see docs/decisions/0005-points-ledger.md):

- A decision or external entry counts from its effective date, in the natural year of its
  ``year_attribution`` date (or in one running total when ``year_reset`` is off).
- A reversal (更正冲销) removes its target entirely, as if it had never counted.
- A pending appeal (申诉中) removes its target until the outcome; an upheld or reduced target then
  counts (with the outcome's points) from the outcome date; a revoked target never counts.
- A repair (修复) lowers the year total from its own date on; it does not end a suspension unless
  ``repair_reverses_status`` is on; it never ends a termination.
- Reaching ``suspend_threshold`` starts a suspension on that date for the decision's chosen months
  (or the profile's proposal), ending (exclusive) on the same day N months later — even in the next
  year. With ``suspension_retrigger`` off a year has at most one suspension below 12.
- Reaching ``terminate_threshold`` terminates on that date (a running suspension ends there);
  ``barred_until`` = date + ``ban_years_one_time`` when the one decision alone reached it,
  else + ``ban_years_cumulative``. Termination lasts until a reinstatement entry (重新登记备案).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from fundguard.profiles import Profile

SCORING_KINDS = ("decision", "external")


@dataclass(frozen=True)
class Params:
    suspend_threshold: int
    terminate_threshold: int
    suspend_months_min: int
    suspend_months_max: int
    suspend_months_proposal: dict[int, int]
    ban_years_cumulative: int
    ban_years_one_time: int
    year_attribution: str
    year_reset: bool
    suspension_retrigger: bool
    repair_reverses_status: bool

    @classmethod
    def from_profile(cls, profile: Profile) -> Params:
        return cls(
            suspend_threshold=int(profile["scoring.suspend_threshold"]),
            terminate_threshold=int(profile["scoring.terminate_threshold"]),
            suspend_months_min=int(profile["scoring.suspend_months_min"]),
            suspend_months_max=int(profile["scoring.suspend_months_max"]),
            suspend_months_proposal={
                int(k): int(v) for k, v in profile["scoring.suspend_months_proposal"].items()
            },
            ban_years_cumulative=int(profile["scoring.ban_years_cumulative"]),
            ban_years_one_time=int(profile["scoring.ban_years_one_time"]),
            year_attribution=str(profile["scoring.year_attribution"]),
            year_reset=bool(profile["scoring.year_reset"]),
            suspension_retrigger=bool(profile["scoring.suspension_retrigger"]),
            repair_reverses_status=bool(profile["scoring.repair_reverses_status"]),
        )

    def proposed_months(self, total: int) -> int:
        """Suspension months proposed for a year total (largest table key not above it)."""
        keys = [k for k in self.suspend_months_proposal if k <= total]
        months = self.suspend_months_proposal[max(keys)] if keys else self.suspend_months_min
        return self.clamp_months(months)

    def clamp_months(self, months: int) -> int:
        return max(self.suspend_months_min, min(self.suspend_months_max, months))

    def bucket(self, day: date) -> int:
        return day.year if self.year_reset else 0


@dataclass(frozen=True)
class Entry:
    """What the derivation needs of one ledger row."""

    seq: int
    kind: str
    points: int
    decision_date: date
    effective_date: date
    target_seq: int | None = None
    outcome: str = ""
    suspend_months: int | None = None


@dataclass(frozen=True)
class Period:
    kind: str  # suspension | termination
    start: date
    end: date | None  # exclusive; None = open (termination not yet followed by reinstatement)
    barred_until: date | None
    trigger_seq: int
    trigger_total: int
    one_time: bool = False

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Timeline:
    periods: tuple[Period, ...]
    # (date the change counts from, year bucket, applied points change)
    events: tuple[tuple[date, int, int], ...] = field(default=())


@dataclass(frozen=True)
class QualificationStatus:
    status: str  # active | suspended | terminated
    year_points: int
    until: date | None
    barred_until: date | None

    def as_contract(self) -> dict:
        return {
            "status": self.status,
            "year_points": self.year_points,
            "until": self.until.isoformat() if self.until else None,
            "barred_until": self.barred_until.isoformat() if self.barred_until else None,
        }


def add_months(day: date, months: int) -> date:
    """Same day N calendar months later (the month's last day when that day does not exist)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _scoring_items(entries: list[Entry], params: Params) -> list[tuple[date, int, str, int, int, Entry]]:
    """(count date, seq, action, bucket, points, entry) in ledger order before sorting by date."""
    reversed_seqs = {e.target_seq for e in entries if e.kind == "reversal"}
    filed = {e.target_seq for e in entries if e.kind == "appeal_filed"}
    outcomes = {e.target_seq: e for e in entries if e.kind == "appeal_outcome"}
    items = []
    for e in entries:
        if e.seq in reversed_seqs:
            continue
        if e.kind in SCORING_KINDS:
            points, counts_from = e.points, e.effective_date
            if e.seq in filed:
                outcome = outcomes.get(e.seq)
                if outcome is None:
                    continue  # under appeal: does not count yet
                points += outcome.points
                counts_from = max(counts_from, outcome.effective_date)
            if points <= 0:
                continue
            attributed = e.effective_date if params.year_attribution == "effective_date" else e.decision_date
            items.append((counts_from, e.seq, "score", params.bucket(attributed), points, e))
        elif e.kind == "repair":
            items.append((e.effective_date, e.seq, "repair", params.bucket(e.effective_date), e.points, e))
        elif e.kind == "reinstatement":
            items.append((e.effective_date, e.seq, "reinstate", params.bucket(e.effective_date), 0, e))
    items.sort(key=lambda item: (item[0], item[1]))
    return items


def derive(entries: Iterable[Entry], params: Params) -> Timeline:
    """Walk the ledger in date order; return the periods and the applied points events."""
    items = _scoring_items(list(entries), params)
    totals: dict[int, int] = {}
    suspended_buckets: set[int] = set()
    periods: list[Period] = []
    suspension: Period | None = None
    termination: Period | None = None
    events: list[tuple[date, int, int]] = []
    for day, seq, action, bucket, points, entry in items:
        total = totals.get(bucket, 0)
        if action == "score":
            total += points
            events.append((day, bucket, points))
        elif action == "repair":
            applied = max(points, -total)
            total += applied
            events.append((day, bucket, applied))
            if (
                params.repair_reverses_status
                and suspension is not None
                and suspension.covers(day)
                and total < params.suspend_threshold
            ):
                periods[periods.index(suspension)] = suspension = _ended(suspension, day)
        elif action == "reinstate":
            if termination is not None and termination.end is None:
                periods[periods.index(termination)] = _ended(termination, day)
                termination = None
            events.append((day, bucket, -total))
            total = 0
        totals[bucket] = total
        if action != "score" or termination is not None:
            continue
        if total >= params.terminate_threshold:
            if suspension is not None and suspension.covers(day):
                periods[periods.index(suspension)] = suspension = _ended(suspension, day)
            one_time = points >= params.terminate_threshold
            years = params.ban_years_one_time if one_time else params.ban_years_cumulative
            termination = Period("termination", day, None, add_years(day, years), seq, total, one_time)
            periods.append(termination)
        elif (
            total >= params.suspend_threshold
            and not (suspension is not None and suspension.covers(day))
            and (params.suspension_retrigger or bucket not in suspended_buckets)
        ):
            months = (
                params.clamp_months(entry.suspend_months)
                if entry.suspend_months
                else params.proposed_months(total)
            )
            suspension = Period("suspension", day, add_months(day, months), None, seq, total)
            periods.append(suspension)
            suspended_buckets.add(bucket)
    return Timeline(tuple(periods), tuple(events))


def _ended(period: Period, day: date) -> Period:
    return Period(
        period.kind,
        period.start,
        day,
        period.barred_until,
        period.trigger_seq,
        period.trigger_total,
        period.one_time,
    )


def status_from_periods(periods: Iterable[Period], on: date, year_points: int) -> QualificationStatus:
    covering = [p for p in periods if p.covers(on)]
    for p in covering:
        if p.kind == "termination":
            return QualificationStatus("terminated", year_points, None, p.barred_until)
    for p in covering:
        if p.kind == "suspension":
            return QualificationStatus("suspended", year_points, p.end, None)
    return QualificationStatus("active", year_points, None, None)


def year_points(timeline: Timeline, on: date, params: Params) -> int:
    bucket = params.bucket(on)
    return sum(points for day, b, points in timeline.events if b == bucket and day <= on)


def status_at(timeline: Timeline, on: date, params: Params) -> QualificationStatus:
    return status_from_periods(timeline.periods, on, year_points(timeline, on, params))


def status_on(entries: Iterable[Entry], params: Params, on: date) -> QualificationStatus:
    """The pure status function: entries + profile parameters + date → status."""
    return status_at(derive(entries, params), on, params)
