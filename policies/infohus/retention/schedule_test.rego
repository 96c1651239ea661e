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
