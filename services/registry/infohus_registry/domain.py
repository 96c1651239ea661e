"""Registry rules, no I/O: the basic registration's fields (statistics for the network: ``statistics``)."""

from datetime import datetime


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
    "imminent_risk": "overhængende sikkerhedsrisiko (politiet)", "honour_related": "æresrelateret (sikkerhedskonsulenter)",
    "upheld": "bekymring bekræftet (kvalificeres i infohuset)",
}


def apply_change(registration, event) -> bool:
    """Keep the basic registration current with a case event; True when something changed."""
    kind = event.kind
    if kind == "case.initial_assessment_made":
        registration.outcome = event.outcome.value
        registration.assessment = f"Indledende vurdering ({event.approach.value}): {OUTCOME_LABELS[event.outcome.value]}"
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
        registration.decision = f"Indsats: {event.effort_level.value} ({measures}); indberetning til PET: {pet}; {status}"
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


# What survives erasure: an anonymised statistical record (LEGAL.md §13 P1).
ERASED_FIELDS = ("nationality", "family_network", "school_work", "sender", "assessment", "assessed_by", "decision")


def anonymise(registration, now) -> None:
    for name in ERASED_FIELDS:
        setattr(registration, name, None)
    registration.description = ""
    registration.concern_signs = []
    registration.erased_at = now
