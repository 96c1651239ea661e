"""Registry rules, no I/O: the basic registration's (grundregistrering) fields, the statistics the
network may see, and what the retention schedule is asked.

Statistics for the district network (Infohus Netværk) are counts only, small cells suppressed.
For one municipality and month the registry counts its basic registrations: the volume
(``concerns_received``) and the cells of each dimension (concern level, source category, age band,
outcome, effort level). A registration whose concern level, outcome or effort level is not yet
known is left out of that dimension.

Suppression, before anything is staged:

* primary: a count between 0 and k (exclusive) is never sent; the cell goes as ``suppressed``;
* secondary: when exactly one cell of a dimension is suppressed, the smallest other non-zero cell
  is suppressed too, so the hidden one cannot be worked out by subtracting the others from the
  volume.

Only cells whose shown value changed since the last report that left (or is about to leave) the
outbox are staged; a value that disappeared is sent once as 0 (``changes``). The outbox is the
record of what was shared, so it is also what ``service.statistics`` compares against.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

import structlog

from infohus_contracts.base.aggregates import DIMENSIONS, AggregateMetric, AggregateReport, valid_dimension_value

log = structlog.get_logger(__name__)


def period_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age < 15:
        return "0-14"
    if age < 18:
        return "15-17"
    if age < 25:
        return "18-24"
    if age < 35:
        return "25-34"
    return "35+"


REGISTRATION_CLASSES = ["identity", "social", "narrative", "special_category", "reporter", "process"]
OUTCOME_LABELS = {
    "unfounded": "ubegrundet", "not_radicalisation": "ikke radikalisering (videresendt)",
    "imminent_risk": "overhængende sikkerhedsrisiko (politiet)",
    "honour_related": "æresrelateret (sikkerhedskonsulenter)",
    "upheld": "bekymring bekræftet (kvalificeres i infohuset)",
}


def apply_change(registration, event) -> bool:
    """Keep the basic registration current with a case event; True when something changed."""
    kind = event.kind
    if kind == "case.initial_assessment_made":
        registration.outcome = event.outcome.value
        label = OUTCOME_LABELS[event.outcome.value]
        registration.assessment = f"Indledende vurdering ({event.approach.value}): {label}"
        registration.assessed_by = event.actor
        if event.stage.value == "closed":
            registration.closed_at = event.at
    elif kind == "case.assessed":
        registration.concern_level = event.concern_level.value
        registration.assessment = (f"Bekymringsniveau: {event.concern_level.value}. "
                                   f"Sikkerhed: {event.security_aspect} Trivsel: {event.social_aspect}")
        registration.assessed_by = event.actor
    elif kind == "case.decided":
        registration.effort_level = event.effort_level.value
        measures = ", ".join(m.value for m in event.measures)
        status = "står ved magt" if event.standing else "afventer ledelsens godkendelse"
        pet = "ja" if event.report_to_pet else "nej"
        registration.decision = (f"Indsats: {event.effort_level.value} ({measures}); "
                                 f"indberetning til PET: {pet}; {status}")
        registration.lead = event.lead.value
    elif kind == "case.decision_approved" and registration.decision:
        registration.decision = registration.decision.replace("afventer ledelsens godkendelse", "godkendt af ledelsen")
    elif kind == "case.lead_changed":
        registration.lead = event.lead.value
    elif kind == "case.closed":
        registration.closed_at = event.at
    elif kind == "case.follow_up_recorded":
        registration.last_follow_up_on = event.at.date()
    else:
        return False
    return True


def municipality_statistics(rows, period_from: str | None, period_to: str | None) -> dict:
    """Counts for the municipality itself (not suppressed: the registry is restricted to its keepers)."""
    def tally(attribute: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in rows:
            key = getattr(row, attribute) or "ukendt"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    return {
        "from": period_from, "to": period_to, "volume": len(rows),
        "by_period": tally("period"), "concern_levels": tally("concern_level"), "sources": tally("source_category"),
        "age_bands": tally("age_band"), "outcomes": tally("outcome"), "efforts": tally("effort_level"),
    }


def retention_outcome(registration) -> str:
    """The retention schedule's outcome for a registration (LEGAL.md §13)."""
    if registration.outcome == "unfounded":
        return "unfounded"
    if registration.outcome in ("not_radicalisation", "imminent_risk", "honour_related"):
        return "forwarded"  # P7: what moved to another authority follows its rules; here only P1 is left
    return "effort"


def retention_input(registration) -> dict[str, Any]:
    """What the retention schedule (OPA) is asked about a registration: its outcome and dates, no content."""
    return {
        "outcome": retention_outcome(registration),
        "closed_on": registration.closed_at.date().isoformat() if registration.closed_at else None,
        "last_follow_up_on": registration.last_follow_up_on.isoformat() if registration.last_follow_up_on else None,
        "legal_hold": registration.legal_hold,
    }


def erasure_due(delete_on: date | None, action: str, today: date) -> bool:
    """Whether the schedule says the personal data goes on ``today``: a date that has come, and a deleting action."""
    return delete_on is not None and delete_on <= today and action in ("anonymise", "delete")


# What survives erasure: an anonymised statistical record (LEGAL.md §13 P1).
ERASED_FIELDS = ("nationality", "family_network", "school_work", "sender", "assessment", "assessed_by", "decision")


def anonymise(registration, now) -> None:
    for name in ERASED_FIELDS:
        setattr(registration, name, None)
    registration.description = ""
    registration.concern_signs = []
    registration.erased_at = now


# Statistics for the network (see the module docstring).

VOLUME = AggregateMetric.CONCERNS_RECEIVED

CellKey = tuple[AggregateMetric, str | None]


@dataclass(frozen=True)
class Cell:
    metric: AggregateMetric
    value: str | None
    count: int | None  # None exactly when suppressed
    suppressed: bool

    @property
    def shown(self) -> tuple[int | None, bool]:
        return self.count, self.suppressed


def count_cells(rows: Iterable[Mapping[str, str | None]]) -> dict[CellKey, int]:
    """Raw counts: the volume and, per dimension, per known value (``None`` = not yet known: skipped)."""
    counts: Counter[CellKey] = Counter()
    for row in rows:
        counts[(VOLUME, None)] += 1
        for metric in DIMENSIONS:
            value = row.get(metric.value)
            if value is None:
                continue
            if not valid_dimension_value(metric, value):
                # Never sent: the contract would refuse it. The value itself is not logged.
                log.warning("registration value is not a shareable code; cell left out", metric=metric.value)
                continue
            counts[(metric, value)] += 1
    if not counts:
        counts[(VOLUME, None)] = 0
    return dict(counts)


def suppress(counts: Mapping[CellKey, int], k: int) -> list[Cell]:
    """Primary and secondary suppression (see the module docstring)."""
    hidden = {key for key, n in counts.items() if 0 < n < k}
    for metric in DIMENSIONS:
        in_dimension = {key: n for key, n in counts.items() if key[0] is metric}
        if len(hidden & in_dimension.keys()) == 1:
            shown = sorted((n, key[1] or "", key) for key, n in in_dimension.items() if key not in hidden and n > 0)
            if shown:
                hidden.add(shown[0][2])
    cells = [
        Cell(metric, value, None if (metric, value) in hidden else n, (metric, value) in hidden)
        for (metric, value), n in counts.items()
    ]
    return sorted(cells, key=lambda c: (list(AggregateMetric).index(c.metric), c.value or ""))


def aggregate_report(
    municipality_code: str,
    period: str,
    count: int,
    k: int,
    computed_at: datetime,
    metric: AggregateMetric = VOLUME,
    dimension_value: str | None = None,
    *,
    suppressed: bool | None = None,
) -> AggregateReport:
    """A count for the network; below k (but above zero) it is suppressed, never sent."""
    if suppressed is None:
        suppressed = 0 < count < k
    return AggregateReport(
        report_id=uuid4(),
        municipality_code=municipality_code,
        period=period,
        metric=metric,
        dimension_value=dimension_value,
        count=None if suppressed else count,
        suppressed=suppressed,
        k=k,
        computed_at=computed_at,
    )


def policy_aggregate(report: AggregateReport) -> dict:
    """What OPA sees of the share (``input.aggregate``): counts and allow-listed dimension labels."""
    cell: dict = {"count": report.count, "suppressed": report.suppressed,
                  "municipality_code": report.municipality_code}
    if report.dimension_value is not None:
        cell[report.metric.value] = report.dimension_value
    return {"metric": report.metric.value, "period": report.period, "cells": [cell]}


def changes(counts: Mapping[CellKey, int], previous: Mapping[CellKey, tuple[int | None, bool]], k: int) -> list[Cell]:
    """The cells to send: those whose shown value differs from the last one sent; a value that
    disappeared (its count went to 0, e.g. a changed concern level) is sent once as 0."""
    cells = {(c.metric, c.value): c for c in suppress(counts, k)}
    for key, shown in previous.items():
        if key not in cells and shown != (0, False):
            cells[key] = Cell(key[0], key[1], 0, False)
    return [cell for key, cell in cells.items() if previous.get(key) != cell.shown]
