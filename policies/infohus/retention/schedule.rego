# METADATA
# title: Retention schedule
# description: |
#   POST /v1/data/infohus/retention/schedule. When may an item be anonymised
#   or deleted? Applies the proposed schedule of LEGAL.md §13 (P1-P4), kept as
#   data in data.infohus.config.retention (months per rule, rule per outcome).
#   Input: {"outcome", "closed_on", "last_follow_up_on", "legal_hold"} and
#   optionally "item" ("case" by default, "reporter_contact", "disclosure_log"),
#   "logged_on" (for disclosure_log) and "regime" (the controller's regime,
#   "gdpr" when absent; "rhl" for a police district, whose rules are in
#   retention.by_regime.rhl). Dates are "YYYY-MM-DD".
#   Output: {"delete_on": date or null, "rule", "reason", "action"}.
package infohus.retention

rcfg := data.infohus.config.retention

default req := {}

req := input if is_object(input)

item := object.get(req, "item", "case")

outcome := object.get(req, "outcome", "")

# The controller's regime picks the rules: a police district (rhl) has its
# own (LEGAL.md §1 rule 8, §11.9). Absent means the municipality (gdpr), as
# before the regime was part of the input; an unknown regime gets no rule.
regime := object.get(req, "regime", "gdpr")

known_regime if data.infohus.config.regimes[regime]

regime_rules := object.get(object.get(rcfg, "by_regime", {}), regime, {}) if known_regime

outcome_rules := object.get(regime_rules, "outcome_rules", rcfg.outcome_rules)

item_rules := object.get(regime_rules, "item_rules", rcfg.item_rules)

rule_id := outcome_rules[outcome] if item == "case"

rule_id := item_rules[item] if item != "case"

rule := rcfg.rules[rule_id]

legal_hold if req.legal_hold == true

closed if {
	is_string(req.closed_on)
	req.closed_on != ""
}

# The reference date: the first of the rule's "from" dates that is given.
reference := [d |
	some key in rule.from
	d := req[key]
	is_string(d)
	d != ""
][0]

reference_ns := time.parse_ns("2006-01-02", reference)

added_ns := time.add_date(reference_ns, 0, rule.months, 0)

# Adding months to the 29th-31st can run into the next month (31 Jan + 1
# month = 3 Mar); such dates are clamped to the last day of the target month,
# so a period never ends later than its months allow.
delete_ns := added_ns if time.date(added_ns)[2] == time.date(reference_ns)[2]

delete_ns := time.add_date(added_ns, 0, 0, 0 - time.date(added_ns)[2]) if {
	time.date(added_ns)[2] != time.date(reference_ns)[2]
}

delete_on := time.format([delete_ns, "UTC", "2006-01-02"])

default legal_hold_text := "legal hold (e.g. GDPR art. 17(3)(b), a pending complaint or access request): nothing is deleted; %s applies when the hold is lifted"

legal_hold_text := regime_rules.legal_hold if is_string(regime_rules.legal_hold)

schedule := {
	"delete_on": null,
	"rule": "REVIEW",
	"action": "review",
	"reason": sprintf("unknown regime '%v' (known: %s): nothing is deleted automatically", [regime, concat(", ", sort(object.keys(object.get(data.infohus.config, "regimes", {}))))]),
} if {
	not known_regime
} else := {
	"delete_on": null,
	"rule": "REVIEW",
	"action": "review",
	"reason": sprintf("no retention rule for item '%v' with outcome '%v': compliance adds it to retention.outcome_rules or retention.item_rules; until then nothing is deleted automatically", [item, outcome]),
} if {
	not rule
} else := {
	"delete_on": null,
	"rule": rule_id,
	"action": "keep",
	"reason": sprintf(legal_hold_text, [rule_id]),
} if {
	legal_hold
} else := {
	"delete_on": null,
	"rule": rule_id,
	"action": "keep",
	"reason": sprintf("not closed yet: %s applies after closure (%s)", [rule_id, rule.text]),
} if {
	rule.requires_closed == true
	not closed
} else := {
	"delete_on": null,
	"rule": rule_id,
	"action": "review",
	"reason": sprintf("no reference date given (%s): cannot compute %s", [concat(" or ", rule.from), rule_id]),
} if {
	not reference
} else := {
	"delete_on": delete_on,
	"rule": rule_id,
	"action": rule.action,
	"reason": sprintf("%v months after %s: %s", [rule.months, reference, rule.text]),
} if {
	delete_on
} else := {
	"delete_on": null,
	"rule": rule_id,
	"action": "review",
	"reason": sprintf("invalid date '%v' (YYYY-MM-DD expected)", [reference]),
}
