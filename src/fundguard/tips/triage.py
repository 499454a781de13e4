"""Triage (研判分流) of a tip against what the data already says about the accused.

score = Σ min(weight × count, ``max_per_signal``) over findings and anomalies, plus weighted
prior cases, attachments and a named reporter, capped at 100 (weights: ``report.triage_weights``).
Route (``report.triage_bands``): ≥ priority → ``priority`` (快办: straight to a case handler),
≥ standard → ``standard`` (常规核查), else ``monitor`` (纳入数据监测). Counts come from the caller
(the rule engine and analytics supply them; see ``service.triage``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fundguard.profiles import get_profile


@dataclass(frozen=True)
class Signals:
    findings: int = 0
    anomalies: int = 0
    prior_cases: int = 0
    has_attachments: bool = False
    named_reporter: bool = False


def score(signals: Signals) -> int:
    w = get_profile()["report.triage_weights"]
    cap = int(w["max_per_signal"])
    total = min(int(w["findings"]) * signals.findings, cap)
    total += min(int(w["anomalies"]) * signals.anomalies, cap)
    total += min(int(w["prior_cases"]) * signals.prior_cases, cap)
    total += int(w["has_attachments"]) if signals.has_attachments else 0
    total += int(w["named_reporter"]) if signals.named_reporter else 0
    return min(total, 100)


def route(value: int) -> str:
    bands = get_profile()["report.triage_bands"]
    if value >= int(bands["priority"]):
        return "priority"
    if value >= int(bands["standard"]):
        return "standard"
    return "monitor"
