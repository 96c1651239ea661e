package infohus.retention_test

import data.infohus.retention

schedule_for(req) := s if {
	s := retention.schedule with input as req
}

test_p1_unfounded_12_months_after_closure if {
	schedule_for({"outcome": "unfounded", "closed_on": "2026-03-15", "last_follow_up_on": null, "legal_hold": false}) == {
		"delete_on": "2027-03-15",
		"rule": "P1",
		"action": "anonymise",
		"reason": "12 months after 2026-03-15: closed as unfounded or forwarded: remove identity and free text 12 months after closure, keep an anonymised statistical record (LEGAL.md §13 P1, PROPOSED)",
	}
}

test_p1_forwarded if {
	s := schedule_for({"outcome": "forwarded", "closed_on": "2026-01-01", "legal_hold": false})
	s.rule == "P1"
	s.delete_on == "2027-01-01"
}

test_p1_open_case_is_kept if {
	s := schedule_for({"outcome": "unfounded", "closed_on": null, "legal_hold": false})
	s.delete_on == null
	s.rule == "P1"
	s.action == "keep"
	startswith(s.reason, "not closed yet")
}

test_p2_effort_24_months_after_last_follow_up if {
	s := schedule_for({"outcome": "effort", "closed_on": "2026-06-30", "last_follow_up_on": "2026-06-01", "legal_hold": false})
	s.rule == "P2"
	s.delete_on == "2028-06-01"
	s.action == "anonymise"
}

test_p2_without_follow_up_counts_from_closure if {
	s := schedule_for({"outcome": "effort", "closed_on": "2026-06-30", "last_follow_up_on": null})
	s.delete_on == "2028-06-30"
}

test_p2_active_effort_is_kept if {
	s := schedule_for({"outcome": "effort", "closed_on": null, "last_follow_up_on": "2026-06-01"})
	s.delete_on == null
	s.action == "keep"
}

test_p3_reporter_contact_3_months if {
	s := schedule_for({"item": "reporter_contact", "outcome": "effort", "closed_on": "2026-01-15"})
	s.rule == "P3"
	s.delete_on == "2026-04-15"
	s.action == "delete"
}

test_p4_disclosure_log_5_years if {
	s := schedule_for({"item": "disclosure_log", "logged_on": "2026-02-28"})
	s.rule == "P4"
	s.delete_on == "2031-02-28"
}

test_p4_without_log_date_needs_review if {
	s := schedule_for({"item": "disclosure_log"})
	s.rule == "P4"
	s.delete_on == null
	s.action == "review"
	startswith(s.reason, "no reference date given (logged_on)")
}

test_month_end_is_clamped if {
	schedule_for({"item": "reporter_contact", "closed_on": "2026-11-30"}).delete_on == "2027-02-28"
	schedule_for({"outcome": "unfounded", "closed_on": "2028-02-29"}).delete_on == "2029-02-28"
}

test_legal_hold_keeps_everything if {
	s := schedule_for({"outcome": "unfounded", "closed_on": "2020-01-01", "legal_hold": true})
	s.delete_on == null
	s.rule == "P1"
	s.action == "keep"
	contains(s.reason, "legal hold")
}

test_unknown_outcome_needs_review if {
	s := schedule_for({"outcome": "mystery", "closed_on": "2026-01-01"})
	s.delete_on == null
	s.rule == "REVIEW"
	s.action == "review"
}

test_unknown_item_needs_review if schedule_for({"item": "minutes", "closed_on": "2026-01-01"}).rule == "REVIEW"

test_invalid_date_needs_review if {
	s := schedule_for({"outcome": "unfounded", "closed_on": "2026-13-45"})
	s.delete_on == null
	s.action == "review"
	s.reason == "invalid date '2026-13-45' (YYYY-MM-DD expected)"
}

test_months_come_from_policy_data if {
	s := retention.schedule with input as {"outcome": "unfounded", "closed_on": "2026-03-15"}
		with data.infohus.config.retention.rules.P1.months as 6
	s.delete_on == "2026-09-15"
}

test_schedule_defined_without_input if retention.schedule.rule == "REVIEW"

# ---------------------------------------------------------------------------
# The police district (regime rhl, retshåndhævelsesloven): its own rules
# ---------------------------------------------------------------------------

rcfg := data.infohus.config.retention

rhl(req) := schedule_for(object.union(req, {"regime": "rhl"}))

test_regime_absent_is_the_municipality if {
	schedule_for({"outcome": "unfounded", "closed_on": "2026-03-15"}).rule == "P1"
	schedule_for({"outcome": "unfounded", "closed_on": "2026-03-15", "regime": "gdpr"}).rule == "P1"
}

test_rhl_unfounded_uses_the_police_rule if {
	s := rhl({"outcome": "unfounded", "closed_on": "2026-03-15", "legal_hold": false})
	s.rule == "RHL-P1"
	s.delete_on == "2027-03-15"
	s.action == "anonymise"
	contains(s.reason, "police district (retshåndhævelsesloven)")
	contains(s.reason, "unresolved.rhl_retention_periods")
	not contains(s.reason, "GDPR")
}

test_rhl_forwarded_effort_and_items_use_police_rules if {
	rhl({"outcome": "forwarded", "closed_on": "2026-01-01"}).rule == "RHL-P1"
	e := rhl({"outcome": "effort", "closed_on": "2026-06-30", "last_follow_up_on": "2026-06-01"})
	e.rule == "RHL-P2"
	e.delete_on == "2028-06-01"
	rhl({"item": "reporter_contact", "closed_on": "2026-01-15"}).rule == "RHL-P3"
	rhl({"item": "disclosure_log", "logged_on": "2026-02-28"}).rule == "RHL-P4"
}

test_rhl_open_case_is_kept if {
	s := rhl({"outcome": "effort", "closed_on": null})
	s.rule == "RHL-P2"
	s.action == "keep"
	s.delete_on == null
}

test_rhl_legal_hold_does_not_cite_the_gdpr if {
	s := rhl({"outcome": "unfounded", "closed_on": "2020-01-01", "legal_hold": true})
	s.action == "keep"
	s.delete_on == null
	s.reason == "legal hold (e.g. a pending complaint or access request; which restrictions retshåndhævelsesloven sets is unverified, LEGAL.md §9, Q10): nothing is deleted; RHL-P1 applies when the hold is lifted"
}

test_gdpr_legal_hold_cites_art_17 if {
	s := schedule_for({"outcome": "unfounded", "closed_on": "2020-01-01", "legal_hold": true})
	contains(s.reason, "GDPR art. 17(3)(b)")
}

test_rhl_unknown_outcome_needs_review if {
	s := rhl({"outcome": "mystery", "closed_on": "2026-01-01"})
	s.rule == "REVIEW"
	s.delete_on == null
}

test_unknown_regime_needs_review if {
	s := schedule_for({"outcome": "unfounded", "closed_on": "2026-01-01", "regime": "pet"})
	s.rule == "REVIEW"
	s.action == "review"
	s.delete_on == null
	s.reason == "unknown regime 'pet' (known: gdpr, rhl): nothing is deleted automatically"
	schedule_for({"outcome": "unfounded", "closed_on": "2026-01-01", "regime": null}).rule == "REVIEW"
}

test_a_known_regime_without_own_rules_uses_the_top_level_ones if {
	s := retention.schedule with input as {"outcome": "unfounded", "closed_on": "2026-03-15", "regime": "other"}
		with data.infohus.config.regimes.other as "a regime with no retention.by_regime entry"
	s.rule == "P1"
}

test_rhl_months_come_from_policy_data if {
	s := retention.schedule with input as {"outcome": "unfounded", "closed_on": "2026-03-15", "regime": "rhl"}
		with data.infohus.config.retention.rules["RHL-P1"].months as 6
	s.delete_on == "2026-09-15"
}

# Checks on the rhl data itself: every rule it names exists, its unresolved
# key exists, and, until legal sign-off, no police period is longer than its
# municipal counterpart (LEGAL.md §13 gives the police none: strict choice).
test_rhl_rules_exist if {
	every _, id in rcfg.by_regime.rhl.outcome_rules {
		rcfg.rules[id]
	}
	every _, id in rcfg.by_regime.rhl.item_rules {
		rcfg.rules[id]
	}
	every regime, _ in rcfg.by_regime {
		data.infohus.config.regimes[regime]
	}
	data.infohus.config.unresolved[rcfg.by_regime.rhl.unresolved]
}

test_rhl_covers_every_municipal_outcome_and_item if {
	every outcome, _ in rcfg.outcome_rules {
		rcfg.by_regime.rhl.outcome_rules[outcome]
	}
	every item, _ in rcfg.item_rules {
		rcfg.by_regime.rhl.item_rules[item]
	}
}

rhl_rule_ids contains id if some id in rcfg.by_regime.rhl.outcome_rules

rhl_rule_ids contains id if some id in rcfg.by_regime.rhl.item_rules

no_longer_than_counterpart(id) if rcfg.rules[id].months <= rcfg.rules[rcfg.rules[id].counterpart].months

signed_off if data.infohus.config.unresolved[rcfg.by_regime.rhl.unresolved].allow == true

periods_ok(_) if signed_off

periods_ok(id) if no_longer_than_counterpart(id)

test_rhl_periods_never_longer_than_the_municipal_ones_before_sign_off if {
	count(rhl_rule_ids) > 0
	every id in rhl_rule_ids {
		periods_ok(id)
	}
}

test_a_longer_police_period_fails_the_check_until_signed_off if {
	not periods_ok("RHL-P1") with data.infohus.config.retention.rules["RHL-P1"].months as 120
	periods_ok("RHL-P1") with data.infohus.config.retention.rules["RHL-P1"].months as 120
		with data.infohus.config.unresolved.rhl_retention_periods.allow as true
}

test_rhl_rule_texts_cite_the_sources if {
	every id in rhl_rule_ids {
		contains(rcfg.rules[id].text, "retshåndhævelsesloven")
		contains(rcfg.rules[id].text, "LEGAL.md §13")
		contains(rcfg.rules[id].text, "R15")
	}
}
