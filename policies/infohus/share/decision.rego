# METADATA
# title: Share decision
# description: |
#   One decision for every share of infohus data across a boundary:
#   POST /v1/data/infohus/share/decision. Default deny: a share is allowed
#   only when no deny reason exists. The rules decide on data classes, never
#   on field names; everything a compliance officer may want to change
#   (the § 115 circle, purposes, legal-basis texts, k, unresolved points)
#   is data in policies/infohus/config/data.json (data.infohus.config).
package infohus.share

cfg := data.infohus.config

# The input as an object; an absent or malformed input is treated as empty,
# so the decision stays defined (and denies).
default req := {}

req := input if is_object(input)

kind := object.get(req, ["recipient", "kind"], "")

purpose := object.get(req, "purpose", "")

action := object.get(req, "action", "")

regime := object.get(req, ["sender", "regime"], "")

sender_service := object.get(req, ["sender", "service"], "")

acting_role := object.get(req, "acting_role", "")

case_stage := object.get(req, "case_stage", "")

default classes := set()

classes := {c | some c in req.data_classes} if is_array(req.data_classes)

# Classes that say something about a person (everything but aggregates and
# general knowledge).
person_level := {c | some c in classes; cfg.data_classes[c].person_level == true}

# Configuration of the recipient kind and of the purpose for that kind.
rcfg := cfg.recipients[kind]

pcfg := rcfg.purposes[purpose]

age := req.subject.age if is_number(req.subject.age)

has_age if is_number(age)

adult if age >= 18

flag(name) if object.get(req, ["flags", name], false) == true

unresolved_allowed(key) if cfg.unresolved[key].allow == true

default policy_version := "unknown"

policy_version := cfg.policy_version

# ---------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------

default allow := false

allow if count(deny) == 0

decision := object.union(
	{
		"allow": allow,
		"reasons": reasons,
		"legal_basis": [b | some b in legal_basis],
		"obligations": obligations_out,
		"policy_version": policy_version,
	},
	reroute_out,
)

reasons := [r | some r in deny] if not allow

reasons := [sprintf("allowed: '%s' may receive %s for purpose '%s'", [kind, concat(", ", sort(classes)), purpose])] if allow

default obligations_out := []

obligations_out := [o | some o in obligations] if allow

default reroute_out := {}

reroute_out := {"reroute": rcfg.reroute} if is_string(rcfg.reroute)

# ---------------------------------------------------------------------------
# Deny reasons: input shape
# ---------------------------------------------------------------------------

# Note: "not f(x)" is false, not true, when x is an undefined rule or ref
# (the ref is evaluated outside the negation), so such checks go through
# helper rules.
policy_loaded if is_string(data.infohus.config.policy_version)

input_is_object if is_object(input)

deny contains "policy data is not loaded (data.infohus.config)" if not policy_loaded

deny contains "input must be an object" if not input_is_object

deny contains "action is missing" if action == ""

deny contains msg if {
	action != ""
	not action in cfg.actions
	msg := sprintf("unknown action '%v' (known: %s)", [action, concat(", ", cfg.actions)])
}

deny contains msg if {
	not cfg.sender_services[sender_service]
	msg := sprintf("unknown sender service '%v'", [sender_service])
}

deny contains msg if {
	not cfg.regimes[regime]
	msg := sprintf("unknown or missing sender regime '%v' (known: gdpr, rhl)", [regime])
}

deny contains msg if {
	not cfg.acting_roles[acting_role]
	msg := sprintf("unknown or missing acting role '%v'", [acting_role])
}

deny contains msg if {
	case_stage != ""
	not case_stage in cfg.case_stages
	msg := sprintf("unknown case stage '%v'", [case_stage])
}

deny contains "no data classes given" if count(classes) == 0

deny contains msg if {
	some c in classes
	not cfg.data_classes[c]
	msg := sprintf("unknown data class '%v'", [c])
}

# ---------------------------------------------------------------------------
# Deny reasons: purpose
# ---------------------------------------------------------------------------

deny contains "purpose is missing" if purpose == ""

deny contains msg if {
	purpose != ""
	not cfg.purposes[purpose]
	msg := sprintf("unknown purpose '%v'", [purpose])
}

# Investigation is never a purpose in this system (§ 115 stk. 2, 2. pkt.).
deny contains msg if {
	cfg.purposes[purpose].forbidden == true
	msg := sprintf("purpose '%s' is not allowed: %s", [purpose, cfg.purposes[purpose].reason])
}

deny contains msg if {
	not rcfg.reroute
	p := cfg.purposes[purpose]
	not p.forbidden
	not rcfg.purposes[purpose]
	allowed := concat(", ", sort(object.keys(rcfg.purposes)))
	msg := sprintf("purpose '%s' is not allowed for recipient '%s' (allowed: %s)", [purpose, kind, allowed])
}

# ---------------------------------------------------------------------------
# Deny reasons: recipient
# ---------------------------------------------------------------------------

deny contains "recipient kind is missing" if kind == ""

deny contains msg if {
	kind != ""
	not cfg.recipients[kind]
	msg := sprintf("unknown recipient kind '%v'", [kind])
}

# PET/EAE only through the local police.
deny contains msg if {
	is_string(rcfg.reroute)
	msg := sprintf("recipient '%s' is not allowed: %s; send to '%s' instead", [kind, rcfg.reason, rcfg.reroute])
}

# Recipients only within the § 115 circle.
deny contains msg if {
	purpose == "prevention"
	rcfg.section_115_circle == false
	not rcfg.reroute
	not rcfg.aggregate_only
	not rcfg.purposes.prevention
	count(person_level) > 0
	msg := sprintf("recipient '%s' is not within the § 115 circle (retsplejeloven § 115 stk. 1-3): no person-level data for prevention", [kind])
}

deny contains msg if {
	is_array(rcfg.actions)
	not action in rcfg.actions
	msg := sprintf("action '%v' is not allowed for recipient '%s' (allowed: %s)", [action, kind, concat(", ", rcfg.actions)])
}

deny contains msg if {
	is_array(rcfg.acting_roles)
	not acting_role in rcfg.acting_roles
	msg := sprintf("acting role '%v' may not make this share with '%s' (allowed: %s)", [acting_role, kind, concat(", ", rcfg.acting_roles)])
}

deny contains msg if {
	rcfg.same_org == true
	not same_org
	msg := sprintf("recipient '%s' must belong to the sender's own organisation and controller", [kind])
}

same_org if {
	is_string(req.sender.org)
	req.sender.org != ""
	req.recipient.org == req.sender.org
}

deny contains msg if {
	some svc in rcfg.forbidden_services
	object.get(req, ["recipient", "service"], "") == svc
	msg := sprintf("service '%s' is never an internal recipient: use recipient kind '%s'", [svc, svc])
}

# The municipal infohus is that of the subject's municipality of residence.
deny contains msg if {
	rcfg.same_municipality == true
	count(person_level) > 0
	not req.subject.municipality_code
	msg := sprintf("subject.municipality_code is required for person-level shares with '%s'", [kind])
}

deny contains msg if {
	rcfg.same_municipality == true
	count(person_level) > 0
	code := req.subject.municipality_code
	expected := sprintf("%s%v", [cfg.municipality_org_prefix, code])
	object.get(req, ["recipient", "org"], "") != expected
	msg := sprintf("recipient '%s' must be the infohus of the subject's municipality of residence ('%s')", [kind, expected])
}

deny contains msg if {
	is_array(rcfg.included_orgs)
	org := object.get(req, ["recipient", "org"], "")
	not org in rcfg.included_orgs
	msg := sprintf("'%v' is not formally included in the cooperation (retsplejeloven § 115 stk. 3); compliance adds it to recipients.%s.included_orgs", [org, kind])
}

# Age conditions (e.g. social services under 18 / 18 and over).
needs_age if is_number(rcfg.max_age)

needs_age if is_number(rcfg.min_age)

deny contains msg if {
	needs_age
	not has_age
	msg := sprintf("subject.age is required for recipient '%s'", [kind])
}

deny contains msg if {
	age > rcfg.max_age
	msg := sprintf("recipient '%s' is for persons aged %v or under; the subject is %v", [kind, rcfg.max_age, age])
}

deny contains msg if {
	age < rcfg.min_age
	msg := sprintf("recipient '%s' is for persons aged %v or over; the subject is %v", [kind, rcfg.min_age, age])
}

# A flag that must be set for this recipient, unless compliance has resolved
# the underlying legal question the other way.
deny contains msg if {
	rf := rcfg.requires_flag
	not flag(rf.flag)
	not unresolved_allowed(object.get(rf, "unresolved", ""))
	msg := rf.reason
}

# Partner systems: only subscribed partners, only subscribed event types.
deny contains msg if {
	rcfg.subscriptions == true
	id := object.get(req, ["recipient", "id"], "")
	not cfg.partner_subscriptions[id]
	msg := sprintf("partner '%v' has no subscription (partner_subscriptions)", [id])
}

deny contains msg if {
	rcfg.subscriptions == true
	subscribed := cfg.partner_subscriptions[req.recipient.id]
	event_type := object.get(req, "event_type", "")
	not event_type in subscribed
	msg := sprintf("partner '%v' is not subscribed to event type '%v'", [req.recipient.id, event_type])
}

# ---------------------------------------------------------------------------
# Deny reasons: data classes
# ---------------------------------------------------------------------------

deny contains msg if {
	some c in classes
	cfg.data_classes[c]
	class_checked
	not c in allowed_classes
	msg := class_denied_reason(c)
}

default allowed_classes := []

allowed_classes := pcfg.classes

class_checked if pcfg

class_checked if rcfg.aggregate_only == true

class_checked if rcfg.no_case_information == true

class_denied_reason(c) := msg if {
	rcfg.aggregate_only == true
	msg := sprintf("'%s' receives aggregates and general knowledge only (LEGAL.md §1 rule 1): data class '%s' is not allowed", [kind, c])
} else := msg if {
	rcfg.no_case_information == true
	msg := sprintf("the sender of a concern never gets case information back: data class '%s' is not allowed", [c])
} else := msg if {
	msg := sprintf("data class '%s' may not be shared with '%s': %s", [c, kind, cfg.data_classes[c].denied_reason])
} else := sprintf(
	"data class '%s' may not be shared with '%s' for purpose '%s' (allowed: %s)",
	[c, kind, purpose, concat(", ", allowed_classes)],
)

# Classes allowed only once an unresolved legal point is resolved.
deny contains msg if {
	some c in classes
	key := pcfg.gated_classes[c]
	not unresolved_allowed(key)
	msg := unresolved_reason(key, sprintf("data class '%s' to '%s'", [c, kind]))
}

# Purposes allowed only once an unresolved legal point is resolved.
deny contains msg if {
	key := pcfg.unresolved
	not unresolved_allowed(key)
	msg := unresolved_reason(key, sprintf("purpose '%s' to '%s'", [purpose, kind]))
}

unresolved_reason(key, what) := sprintf(
	"%s is an unresolved legal point (%s: %s); denied under the strict reading until compliance sets unresolved.%s.allow",
	[what, cfg.unresolved[key].question, cfg.unresolved[key].summary, key],
)

# The sender service and the acting role may limit the classes. A sender may pass on more to
# some recipient kinds (the network's meeting summons to notify carry staff contact data).
deny contains msg if {
	base := cfg.sender_services[sender_service].classes
	extra := object.get(cfg.sender_services[sender_service], ["extra_classes_by_recipient", kind], [])
	allowed := array.concat(base, extra)
	some c in classes
	not c in allowed
	msg := sprintf("sender service '%s' may only pass on %s: data class '%s' is not allowed", [sender_service, concat(", ", allowed), c])
}

deny contains msg if {
	allowed := cfg.acting_roles[acting_role].classes
	some c in classes
	not c in allowed
	msg := sprintf("acting role '%s' may only handle %s: data class '%s' is not allowed", [acting_role, concat(", ", allowed), c])
}

# Special-category and criminal data need their own stated basis.
deny contains msg if {
	not rcfg.stated_basis_exempt
	some c in classes
	cfg.data_classes[c].needs_stated_basis == true
	not req.stated_basis[c]
	msg := sprintf("data class '%s' needs its own stated basis in stated_basis.%s (valid under '%v': %s)", [c, c, regime, valid_bases(c)])
}

deny contains msg if {
	not rcfg.stated_basis_exempt
	some c in classes
	cfg.data_classes[c].needs_stated_basis == true
	code := req.stated_basis[c]
	not cfg.stated_basis[c][regime][code]
	msg := sprintf("stated basis '%v' for '%s' is not valid under regime '%v' (valid: %s)", [code, c, regime, valid_bases(c)])
}

valid_bases(c) := concat(", ", sort(object.keys(object.get(cfg.stated_basis[c], regime, {}))))

# ---------------------------------------------------------------------------
# Deny reasons: necessity, case stage and flags
# ---------------------------------------------------------------------------

needs_necessity if pcfg.section_115 == true

# Enrichment: person-level data asked for or passed on while the case is
# being enriched, except to recipients marked necessity_exempt (the same
# controller, the data subject, the reporter's own notice, an underretning).
needs_necessity if {
	enrichment
	count(person_level) > 0
	not rcfg.necessity_exempt
}

enrichment if case_stage == "enrichment"

enrichment if action == "request"

necessity_given if {
	is_string(req.necessity_reason)
	count(trim_space(req.necessity_reason)) >= cfg.necessity_reason_min_length
}

deny contains msg if {
	needs_necessity
	not necessity_given
	msg := sprintf("a necessity reason of at least %v characters is required: retsplejeloven § 115 stk. 1 requires each disclosure to be necessary ('må anses for nødvendig')", [cfg.necessity_reason_min_length])
}

deny contains msg if {
	pcfg.section_115 == true
	case_stage in cfg.section_115.closed_stages
	msg := sprintf("the case is '%s': no further § 115 disclosures", [case_stage])
}

deny contains msg if {
	flag("imminent_risk")
	case_stage == "enrichment"
	allowed := cfg.section_115.imminent_risk_enrichment_recipients
	not kind in allowed
	msg := sprintf("imminent risk: the case is on the police track and § 115 enrichment does not continue in the infohus (only %s)", [concat(", ", allowed)])
}

deny contains msg if {
	flag("non_extremism")
	pcfg.section_115 == true
	not unresolved_allowed("non_extremism_forwarding")
	msg := unresolved_reason("non_extremism_forwarding", "a § 115 share of a concern flagged as not about extremism")
}

deny contains "the reporter is anonymous: nothing is sent to the reporter (LEGAL.md §9)" if {
	kind == "reporter"
	flag("anonymous_reporter")
}

# ---------------------------------------------------------------------------
# Legal basis cited
# ---------------------------------------------------------------------------

legal_basis contains b if some b in pcfg.legal_basis

legal_basis contains b if some b in pcfg.legal_basis_by_regime[regime]

legal_basis contains b if {
	pcfg.section_115 == true
	some b in cfg.section_115.legal_basis_by_regime[regime]
}

legal_basis contains b if {
	pcfg
	not rcfg.stated_basis_exempt
	some c in classes
	b := cfg.stated_basis[c][regime][req.stated_basis[c]]
}

legal_basis contains cfg.unresolved.non_extremism_forwarding.legal_basis_when_allowed if {
	flag("non_extremism")
	pcfg.section_115 == true
	unresolved_allowed("non_extremism_forwarding")
}

# ---------------------------------------------------------------------------
# Obligations (returned only when the share is allowed)
# ---------------------------------------------------------------------------

obligations contains "log_disclosure"

obligations contains "record_necessity" if needs_necessity

obligations contains o if {
	not rcfg.stated_basis_exempt
	some c in classes
	some o in cfg.data_classes[c].obligations
}

obligations contains o if some o in pcfg.obligations

# Identity data to another controller: the data subject is to be informed
# (GDPR art. 14), or an exemption decided and documented (LEGAL.md Q3).
obligations contains "inform_data_subject" if {
	"identity" in classes
	not kind in {"data_subject", "internal", "reporter"}
	not same_org
}

# Honour-related conflict: no automatic contact with parents (Barnets lov
# § 18 stk. 3; LEGAL.md §1 rule 7).
obligations contains "no_parent_contact" if flag("honour_conflict")

obligations contains "risk_assessment_before_parents" if {
	flag("honour_conflict")
	not adult
}

# An infohus concern does not replace an underretning (LEGAL.md §1 rule 6).
obligations contains "check_underretning_duty" if {
	pcfg.section_115 == true
	age < 18
}

# Leadership is informed whenever an effort is started (seed S1).
obligations contains "inform_leadership" if {
	pcfg.section_115 == true
	case_stage == "effort"
}
