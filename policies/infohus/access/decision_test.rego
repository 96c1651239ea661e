package infohus.access_test

import data.infohus.access

acfg := data.infohus.config.access

# An SSP coordinator of Vesthimmerland (820, Nordjyllands Politi) reading a
# case of the same municipality.
base := {
	"subject": {
		"user_id": "u-123",
		"name": "Test Person",
		"roles": ["ssp_coordinator"],
		"org": "kommune-820",
		"municipality_code": "820",
		"police_district": "nordjylland",
		"authority": "social_services_u18",
	},
	"action": "case.read",
	"resource": {
		"type": "case",
		"org": "kommune-820",
		"municipality_code": "820",
		"police_district": "nordjylland",
		"authority": "social_services_u18",
		"decided_by": "u-9",
		"requested_by": "u-7",
		"owner": "u-123",
	},
}

decide(patch) := d if {
	d := access.decision with input as object.union(base, patch)
}

allowed(patch) if decide(patch).allow == true

denied_with(patch, text) if {
	d := decide(patch)
	d.allow == false
	some r in d.reasons
	contains(r, text)
}

as_roles(roles, act) := {"subject": {"roles": roles}, "action": act}

as_role(role, act) := as_roles([role], act)

# The subject in Rebild (840, same police district), and the resource in
# Aalborg (851) and in another police district.
in_840 := {"subject": {"municipality_code": "840", "org": "kommune-840"}}

res_851 := {"resource": {"municipality_code": "851"}}

res_other_district := {"resource": {"police_district": "midt-vestjylland"}}

# ---------------------------------------------------------------------------
# The expected action → roles table (the brief of issue 5). The data must
# match it; a change to the data needs a change here, on purpose.
# ---------------------------------------------------------------------------

case_roles := {"ssp_coordinator", "police_coordinator"}

case_read_roles := {"ssp_coordinator", "police_coordinator", "leadership"}

expected_roles := {
	"concern.create": case_roles,
	"case.list": case_read_roles,
	"case.read": case_read_roles,
	"case.history": case_read_roles,
	"case.known_elsewhere": {"ssp_coordinator", "police_coordinator"},
	"case.initial_assessment": case_roles,
	"case.assess": case_roles,
	"case.assessment.compare": case_read_roles,
	"case.decide": case_roles,
	"case.decision.approve": {"leadership"},
	"case.follow_up": case_roles,
	"case.close": case_roles,
	"case.underretning": case_roles,
	"case.enrichment.request": case_roles,
	"case.pet.request": case_roles,
	"case.pet.signoff": case_read_roles,
	"enrichment.list": (case_roles | {"authority_caseworker"}),
	"enrichment.read": (case_roles | {"authority_caseworker"}),
	"enrichment.answer": {"authority_caseworker"},
	"meeting.read": case_read_roles,
	"meeting.manage": case_roles,
	"registration.read": {"registration_coordinator", "leadership"},
	"registration.list": {"registration_coordinator", "leadership"},
	"statistics.read": {"registration_coordinator", "leadership"},
	"notification.read": case_read_roles,
	"inbox.read": (case_read_roles | {
		"registration_coordinator", "authority_caseworker",
		"compliance_officer", "network_member",
	}),
	"notification.manage": {"ssp_coordinator", "registration_coordinator", "compliance_officer"},
	"delivery.read": (case_read_roles | {"compliance_officer"}),
	"compliance.preview": {"compliance_officer"},
	"processing_log.read": {"compliance_officer"},
	"processing_log.export": {"compliance_officer"},
	"retention.read": {"compliance_officer"},
	"retention.hold": {"compliance_officer"},
	"processing_log.verify": {"admin", "compliance_officer"},
	"schedules.run": {"admin", "compliance_officer"},
	"network.read": {"network_member"},
	"network.post": {"network_member"},
	"network.meeting.manage": {"network_member"},
	"network.statistics.read": {"network_member"},
	"partner.events.read": {"partner_system"},
}

# Actions that read or write personal data: the service logs them.
personal_data_actions := {a | some a, _ in expected_roles; logged_prefix(a)} | {
	"concern.create",
	"processing_log.export",
	"processing_log.read",
	"compliance.preview",
}

logged_prefix(a) if startswith(a, "case.")

logged_prefix(a) if startswith(a, "enrichment.")

logged_prefix(a) if startswith(a, "registration.")

all_roles := {r | some r, _ in acfg.roles}

test_the_data_has_exactly_the_expected_actions if {
	{a | some a, _ in acfg.actions} == {a | some a, _ in expected_roles}
}

test_the_data_lists_exactly_the_expected_roles_per_action if {
	every a, roles in expected_roles {
		{r | some r in acfg.actions[a].roles} == roles
	}
}

test_the_known_roles if {
	all_roles == {
		"ssp_coordinator", "police_coordinator", "registration_coordinator", "leadership",
		"authority_caseworker", "network_member", "compliance_officer", "partner_system", "admin",
	}
}

# Every known role against every action, with a subject and a resource in the
# same municipality, police district and authority: allowed exactly when the
# expected table lists the role.
test_every_role_and_action_is_decided_as_expected if {
	every a, roles in expected_roles {
		every r in all_roles {
			expected := r in roles
			decide(as_role(r, a)).allow == expected
		}
	}
}

test_every_denied_role_gets_a_reason_naming_role_and_action if {
	every a, roles in expected_roles {
		every r in all_roles - roles {
			denied_with(as_role(r, a), sprintf("role '%s' may not perform '%s'", [r, a]))
		}
	}
}

test_log_access_is_true_exactly_for_personal_data_actions if {
	every a, roles in expected_roles {
		some r in roles
		expected := a in personal_data_actions
		decide(as_role(r, a)).log_access == expected
	}
}

test_log_access_is_false_on_deny if {
	d := decide(as_role("network_member", "case.read"))
	d.allow == false
	d.log_access == false
}

test_purposes if {
	decide({}).purpose == "prevention"
	decide(as_role("registration_coordinator", "statistics.read")).purpose == "statistics"
	decide({"action": "case.underretning"}).purpose == "underretning"
	decide(as_role("compliance_officer", "processing_log.export")).purpose == "access_request"
	decide(as_role("compliance_officer", "compliance.preview")).purpose == "compliance"
	decide(as_role("admin", "schedules.run")).purpose == "maintenance"
	decide(as_role("network_member", "network.post")).purpose == "knowledge_sharing"
}

# ---------------------------------------------------------------------------
# Shape of the decision
# ---------------------------------------------------------------------------

test_allowed_decision_shape if {
	decide({}) == {
		"allow": true,
		"reasons": ["allowed: 'case.read' as ssp_coordinator"],
		"policy_version": acfg.policy_version,
		"log_access": true,
		"purpose": "prevention",
		"granted_by": ["ssp_coordinator"],
	}
}

test_decision_is_defined_without_input if {
	d := access.decision
	d.allow == false
	"input must be an object" in d.reasons
	"action is missing" in d.reasons
	"subject has no roles" in d.reasons
	d.log_access == false
	d.purpose == null
	d.granted_by == []
	d.policy_version == acfg.policy_version
}

test_non_object_input_is_denied if {
	d := access.decision with input as ["not", "an", "object"]
	d.allow == false
	"input must be an object" in d.reasons
}

test_missing_policy_data_is_denied if {
	d := access.decision with input as base with data.infohus.config.access as {}
	d.allow == false
	"access policy data is not loaded (data.infohus.config.access)" in d.reasons
	d.policy_version == "unknown"
}

test_policy_version_format if regex.match(`^\d{4}-\d{2}-\d{2}\.\d+$`, acfg.policy_version)

# ---------------------------------------------------------------------------
# Input checks: the token's subject
# ---------------------------------------------------------------------------

test_missing_subject_is_denied if {
	d := access.decision with input as {"action": "case.read", "resource": base.resource}
	d.allow == false
	"subject is missing (the caller passes the verified token's claims as input.subject)" in d.reasons
}

test_missing_user_id_is_denied if {
	denied_with({"subject": {"user_id": ""}}, "subject.user_id is missing")
}

test_no_roles_is_denied if {
	d := decide({"subject": {"roles": []}})
	d.allow == false
	d.reasons == ["subject has no roles"]
}

test_roles_must_be_an_array if {
	denied_with({"subject": {"roles": "ssp_coordinator"}}, "subject.roles must be an array")
}

test_only_unknown_roles_is_denied if {
	denied_with(
		{"subject": {"roles": ["superuser", 7]}},
		"subject has no known role (unknown roles are ignored: superuser, 7)",
	)
}

test_unknown_roles_are_ignored if {
	d := decide({"subject": {"roles": ["superuser", "ssp_coordinator"]}})
	d.allow == true
	d.granted_by == ["ssp_coordinator"]
}

test_missing_action_is_denied if {
	denied_with({"action": ""}, "action is missing")
	d := access.decision with input as {"subject": base.subject, "resource": base.resource}
	"action is missing" in d.reasons
}

test_unknown_action_is_denied if {
	d := decide({"action": "case.delete_everything"})
	d.allow == false
	d.reasons == ["unknown action 'case.delete_everything'"]
	d.purpose == null
}

test_malformed_resource_is_denied if {
	d := access.decision with input as object.union(base, {"resource": "case-1"})
	denied_with({"resource": "case-1"}, "resource must be an object")
	d.allow == false
}

test_null_resource_is_treated_as_absent if {
	allowed(as_role("partner_system", "partner.events.read"))
	d := access.decision with input as {"subject": {"user_id": "partner-1", "roles": ["partner_system"]}, "action": "partner.events.read", "resource": null}
	d.allow == true
}

# ---------------------------------------------------------------------------
# Wrong role → 403 with a reason
# ---------------------------------------------------------------------------

test_network_member_may_not_read_a_case if {
	d := decide(as_role("network_member", "case.read"))
	d.allow == false
	d.reasons == [
		"'case.read' is allowed only for: leadership, police_coordinator, ssp_coordinator",
		"role 'network_member' may not perform 'case.read'",
	]
}

test_leadership_reads_but_does_not_assess if {
	allowed(as_role("leadership", "case.read"))
	denied_with(as_role("leadership", "case.assess"), "role 'leadership' may not perform 'case.assess'")
}

test_only_leadership_approves_a_decision if {
	allowed(as_role("leadership", "case.decision.approve"))
	denied_with(as_role("ssp_coordinator", "case.decision.approve"), "'case.decision.approve' is allowed only for: leadership")
}

test_admin_never_touches_personal_data if {
	allowed(as_role("admin", "processing_log.verify"))
	denied_with(as_role("admin", "case.read"), "role 'admin' may not perform 'case.read'")
	denied_with(as_role("admin", "processing_log.export"), "role 'admin' may not perform 'processing_log.export'")
}

test_partner_system_reads_events_only if {
	allowed(as_role("partner_system", "partner.events.read"))
	denied_with(as_role("partner_system", "statistics.read"), "role 'partner_system' may not perform 'statistics.read'")
}

test_every_reason_for_each_held_role if {
	d := decide(as_roles(["ssp_coordinator", "compliance_officer"], "registration.read"))
	d.allow == false
	"role 'ssp_coordinator' may not perform 'registration.read'" in d.reasons
	"role 'compliance_officer' may not perform 'registration.read'" in d.reasons
}

# ---------------------------------------------------------------------------
# The basic registration: registration coordinators and leadership only
# (LEGAL.md §1 rule 10)
# ---------------------------------------------------------------------------

test_registry_readable_by_registration_coordinators_and_leadership if {
	every a in ["registration.read", "registration.list"] {
		allowed(as_role("registration_coordinator", a))
		allowed(as_role("leadership", a))
	}
}

test_registry_not_readable_by_anyone_else if {
	every a in ["registration.read", "registration.list"] {
		every r in all_roles - {"registration_coordinator", "leadership"} {
			denied_with(as_role(r, a), "the basic registration is readable only by the two designated registration coordinators and leadership (LEGAL.md §1 rule 10, §8)")
		}
	}
}

test_registry_reads_are_logged if {
	d := decide(as_role("registration_coordinator", "registration.read"))
	d.log_access == true
}

test_registry_of_another_municipality_is_denied if {
	denied_with(
		object.union(as_role("registration_coordinator", "registration.read"), res_851),
		"subject belongs to municipality 820, the case to 851",
	)
	denied_with(
		object.union(as_role("leadership", "registration.list"), res_851),
		"subject belongs to municipality 820, the case to 851",
	)
}

test_registration_coordinator_has_no_case_access if {
	denied_with(as_role("registration_coordinator", "case.read"), "role 'registration_coordinator' may not perform 'case.read'")
}

test_statistics_for_registration_coordinators_and_leadership if {
	allowed(as_role("registration_coordinator", "statistics.read"))
	allowed(as_role("leadership", "statistics.read"))
	denied_with(as_role("ssp_coordinator", "statistics.read"), "role 'ssp_coordinator' may not perform 'statistics.read'")
	denied_with(object.union(as_role("leadership", "statistics.read"), res_851), "subject belongs to municipality 820")
}

# ---------------------------------------------------------------------------
# Wrong municipality, wrong police district
# ---------------------------------------------------------------------------

test_wrong_municipality_is_denied if {
	d := decide(in_840)
	d.allow == false
	d.reasons == ["subject belongs to municipality 840, the case to 820"]
}

test_municipal_roles_are_bound_to_their_municipality if {
	every r in ["ssp_coordinator", "leadership"] {
		denied_with(object.union(as_role(r, "case.read"), res_851), "subject belongs to municipality 820, the case to 851")
	}
	denied_with(object.union(as_role("ssp_coordinator", "concern.create"), res_851), "subject belongs to municipality 820")
	denied_with(object.union(as_role("leadership", "case.decision.approve"), res_851), "subject belongs to municipality 820")
}

test_municipality_code_as_number_or_string if {
	allowed({"subject": {"municipality_code": 820}})
	denied_with({"subject": {"municipality_code": 851}}, "subject belongs to municipality 851, the case to 820")
}

test_resource_without_municipality_is_denied if {
	d := access.decision with input as object.union(base, {"resource": {"municipality_code": null}})
	d.allow == false
	d.reasons == ["the case has no municipality_code; role 'ssp_coordinator' acts only within its own municipality"]
}

test_subject_without_municipality_is_denied if {
	denied_with(
		{"subject": {"municipality_code": ""}},
		"role 'ssp_coordinator' acts only within its own municipality, but the subject has no municipality_code",
	)
}

test_resource_type_defaults_in_reasons if {
	denied_with({"resource": {"type": "", "municipality_code": "851"}}, "subject belongs to municipality 820, the resource to 851")
}

test_police_coordinator_covers_the_whole_district if {
	# A case of another municipality in the same police district.
	allowed(object.union(as_role("police_coordinator", "case.read"), res_851))
	allowed(object.union(as_role("police_coordinator", "concern.create"), object.union(in_840, res_851)))
}

test_police_coordinator_of_another_district_is_denied if {
	d := decide(object.union(as_role("police_coordinator", "case.read"), res_other_district))
	d.allow == false
	d.reasons == ["subject belongs to police district nordjylland, the case to midt-vestjylland"]
}

test_police_coordinator_needs_a_police_district if {
	denied_with(
		object.union(as_role("police_coordinator", "case.assess"), {"subject": {"police_district": null}}),
		"role 'police_coordinator' acts only within its own police district, but the subject has no police_district",
	)
	denied_with(
		object.union(as_role("police_coordinator", "case.assess"), {"resource": {"police_district": ""}}),
		"the case has no police_district; role 'police_coordinator' acts only within its own police district",
	)
}

# With two roles, one role in scope is enough; the other's failure is not a
# reason.
test_one_role_in_scope_is_enough if {
	d := decide(object.union(as_roles(["ssp_coordinator", "police_coordinator"], "case.read"), res_851))
	d.allow == true
	d.granted_by == ["police_coordinator"]
	d.reasons == ["allowed: 'case.read' as police_coordinator"]
}

test_no_role_in_scope_lists_every_failure if {
	d := decide(object.union(as_roles(["ssp_coordinator", "police_coordinator"], "case.read"), {"resource": {"municipality_code": "851", "police_district": "midt-vestjylland"}}))
	d.allow == false
	"subject belongs to municipality 820, the case to 851" in d.reasons
	"subject belongs to police district nordjylland, the case to midt-vestjylland" in d.reasons
}

# ---------------------------------------------------------------------------
# Enrichment: an authority caseworker sees only their own authority's requests
# ---------------------------------------------------------------------------

enrichment_u18 := {"resource": {"type": "enrichment_request", "authority": "social_services_u18"}}

caseworker_18plus := {"subject": {"authority": "social_services_18plus"}}

test_authority_caseworker_answers_own_authority if {
	every a in ["enrichment.list", "enrichment.read", "enrichment.answer"] {
		allowed(object.union(as_role("authority_caseworker", a), enrichment_u18))
	}
}

test_authority_caseworker_of_another_authority_is_denied if {
	every a in ["enrichment.list", "enrichment.read", "enrichment.answer"] {
		d := decide(object.union(object.union(as_role("authority_caseworker", a), enrichment_u18), caseworker_18plus))
		d.allow == false
		d.reasons == ["subject belongs to authority social_services_18plus, the enrichment_request to social_services_u18"]
	}
}

test_authority_caseworker_of_another_municipality_is_denied if {
	denied_with(
		object.union(object.union(as_role("authority_caseworker", "enrichment.answer"), enrichment_u18), in_840),
		"subject belongs to municipality 840, the enrichment_request to 820",
	)
}

test_authority_caseworker_needs_an_authority if {
	denied_with(
		object.union(as_role("authority_caseworker", "enrichment.read"), {"subject": {"authority": null}}),
		"role 'authority_caseworker' acts only within its own authority, but the subject has no authority",
	)
	denied_with(
		object.union(as_role("authority_caseworker", "enrichment.read"), {"resource": {"type": "enrichment_request", "authority": null}}),
		"the enrichment_request has no authority; role 'authority_caseworker' acts only within its own authority",
	)
}

test_authority_caseworker_has_no_case_access if {
	denied_with(as_role("authority_caseworker", "case.read"), "role 'authority_caseworker' may not perform 'case.read'")
	denied_with(as_role("authority_caseworker", "registration.read"), "role 'authority_caseworker' may not perform 'registration.read'")
}

test_coordinators_read_but_do_not_answer_enrichment if {
	every r in ["ssp_coordinator", "police_coordinator"] {
		allowed(object.union(as_role(r, "enrichment.list"), enrichment_u18))
		allowed(object.union(as_role(r, "enrichment.read"), enrichment_u18))
		denied_with(object.union(as_role(r, "enrichment.answer"), enrichment_u18), "'enrichment.answer' is allowed only for: authority_caseworker")
	}
}

# The coordinators are not bound to the authority.
test_coordinators_read_enrichment_of_any_authority if {
	allowed(object.union(object.union(as_role("ssp_coordinator", "enrichment.read"), enrichment_u18), caseworker_18plus))
}

# ---------------------------------------------------------------------------
# PET sign-off: a second person
# ---------------------------------------------------------------------------

signoff := {"action": "case.pet.signoff", "resource": {"type": "pet_request", "requested_by": "u-7", "decided_by": "u-9"}}

test_second_person_signs_off if {
	every r in ["ssp_coordinator", "police_coordinator", "leadership"] {
		allowed(object.union(signoff, {"subject": {"roles": [r]}}))
	}
}

test_requester_may_not_sign_off if {
	d := decide(object.union(signoff, {"subject": {"user_id": "u-7"}}))
	d.allow == false
	d.reasons == ["a second person must sign off: the pet_request's requested_by is the subject itself (u-7)"]
}

test_decider_may_not_sign_off if {
	denied_with(
		object.union(signoff, {"subject": {"user_id": "u-9", "roles": ["leadership"]}}),
		"a second person must sign off: the pet_request's decided_by is the subject itself (u-9)",
	)
}

test_sign_off_needs_someone_to_compare_with if {
	d := access.decision with input as object.union(base, {"action": "case.pet.signoff", "resource": {"requested_by": "", "decided_by": null}})
	d.allow == false
	d.reasons == ["a second person must sign off, but the case has no requested_by or decided_by to check against"]
}

test_sign_off_with_requester_only_is_checked if {
	d := access.decision with input as object.union(base, {"action": "case.pet.signoff", "resource": {"decided_by": null}})
	d.allow == true
}

test_sign_off_needs_a_role if {
	denied_with(object.union(signoff, {"subject": {"roles": ["authority_caseworker"]}}), "role 'authority_caseworker' may not perform 'case.pet.signoff'")
	denied_with(object.union(signoff, in_840), "subject belongs to municipality 840")
}

# The request itself may be made by the one who decided.
test_pet_request_has_no_second_person_rule if {
	allowed(object.union(signoff, {"action": "case.pet.request", "subject": {"user_id": "u-9"}}))
}

# ---------------------------------------------------------------------------
# The network: never together with a case role (LEGAL.md §1 rule 1)
# ---------------------------------------------------------------------------

network_res := {"resource": {"type": "network_post", "municipality_code": null, "authority": null, "police_district": "nordjylland"}}

test_network_member_acts_in_own_district_network if {
	every a in ["network.read", "network.post", "network.meeting.manage", "network.statistics.read"] {
		allowed(object.union(as_role("network_member", a), network_res))
		denied_with(
			object.union(object.union(as_role("network_member", a), network_res), res_other_district),
			"subject belongs to police district nordjylland, the network_post to midt-vestjylland",
		)
	}
}

test_case_roles_may_not_act_in_the_network if {
	every r in ["ssp_coordinator", "police_coordinator", "leadership", "registration_coordinator", "authority_caseworker"] {
		denied_with(object.union(as_role(r, "network.read"), network_res), sprintf("role '%s' may not perform 'network.read'", [r]))
	}
}

test_network_and_case_role_together_deny_everything if {
	every r in ["ssp_coordinator", "police_coordinator", "registration_coordinator", "leadership", "authority_caseworker"] {
		every a in ["network.read", "case.read", "registration.read", "enrichment.read"] {
			denied_with(
				object.union(as_roles(["network_member", r], a), enrichment_u18),
				sprintf("a subject may not hold both a network role and a case role (holds network_member and %s)", [r]),
			)
		}
	}
}

test_network_and_case_role_reason_names_the_rule if {
	denied_with(as_roles(["police_coordinator", "network_member"], "network.read"), "LEGAL.md §1 rule 1")
}

test_network_member_with_a_non_case_role_is_not_a_conflict if {
	allowed(object.union(as_roles(["network_member", "compliance_officer"], "network.read"), network_res))
	allowed(as_roles(["network_member", "compliance_officer"], "processing_log.read"))
}

# ---------------------------------------------------------------------------
# Meetings, notifications, deliveries, compliance and maintenance
# ---------------------------------------------------------------------------

test_meetings if {
	allowed({"action": "meeting.manage"})
	allowed(as_role("leadership", "meeting.read"))
	denied_with(as_role("leadership", "meeting.manage"), "role 'leadership' may not perform 'meeting.manage'")
	denied_with(object.union({"action": "meeting.read"}, res_851), "subject belongs to municipality 820")
	decide({"action": "meeting.read"}).log_access == false
}

test_notifications_and_deliveries if {
	allowed({"action": "notification.read"})
	denied_with(as_role("compliance_officer", "notification.read"), "role 'compliance_officer' may not perform 'notification.read'")
	allowed(as_role("compliance_officer", "delivery.read"))
	denied_with(object.union(as_role("leadership", "delivery.read"), res_851), "subject belongs to municipality 820")
	denied_with(as_role("network_member", "delivery.read"), "role 'network_member' may not perform 'delivery.read'")
}

other_controller := {"resource": {"org": "kommune-851"}}

test_compliance_officer_acts_for_its_controller_not_a_municipality if {
	allowed(object.union(as_role("compliance_officer", "processing_log.export"), res_851))
	allowed(object.union(as_role("compliance_officer", "retention.read"), res_other_district))
	denied_with(
		object.union(as_role("compliance_officer", "processing_log.read"), other_controller),
		"subject belongs to controller kommune-820, the case to kommune-851",
	)
}

test_operations_act_only_for_their_own_controller if {
	allowed(as_role("admin", "schedules.run"))
	denied_with(object.union(as_role("admin", "schedules.run"), other_controller), "subject belongs to controller kommune-820")
	denied_with(
		object.union(as_role("admin", "processing_log.verify"), {"resource": {"org": null}}),
		"the case has no org; role 'admin' acts only within its own controller",
	)
}

test_compliance_actions_are_for_compliance_officers_only if {
	every a in ["compliance.preview", "processing_log.read", "processing_log.export", "retention.read"] {
		allowed(as_role("compliance_officer", a))
		denied_with(as_role("leadership", a), sprintf("role 'leadership' may not perform '%s'", [a]))
	}
}

test_maintenance_actions if {
	every a in ["schedules.run", "processing_log.verify"] {
		allowed(as_role("admin", a))
		allowed(as_role("compliance_officer", a))
		denied_with(as_role("ssp_coordinator", a), sprintf("role 'ssp_coordinator' may not perform '%s'", [a]))
		decide(as_role("admin", a)).log_access == false
	}
}

# ---------------------------------------------------------------------------
# Guards against a wrong data change
# ---------------------------------------------------------------------------

# Even if compliance were to list the network, a partner system or admin for
# an action on personal data, those roles stay out.
test_roles_without_personal_data_stay_out_even_if_listed if {
	every r in ["network_member", "partner_system", "admin"] {
		d := access.decision with input as object.union(base, as_role(r, "case.read"))
			with data.infohus.config.access.actions["case.read"].roles as [r]
		d.allow == false
		d.reasons == [sprintf("role '%s' never handles personal data, and 'case.read' does", [r])]
	}
}

# A scope that is not a list (a misedit: a string, or null) fails closed.
test_role_without_a_scope_list_fails_closed if {
	every scope in ["municipality_code", null] {
		d := access.decision with input as base
			with data.infohus.config.access.roles.ssp_coordinator.scope as scope
		d.allow == false
		d.reasons == ["role 'ssp_coordinator' has no scope in the access data (data.infohus.config.access.roles.ssp_coordinator.scope)"]
	}
}

# ---------------------------------------------------------------------------
# Checks on the access data itself (data.infohus.config.access), including the
# LEGAL.md §1 invariants that a data change must not break
# ---------------------------------------------------------------------------

test_actions_are_well_formed if {
	every _, ac in acfg.actions {
		count(ac.roles) > 0
		every r in ac.roles {
			acfg.roles[r]
		}
		is_boolean(ac.personal_data)
		is_string(ac.purpose)
		ac.purpose != ""
		every f in object.get(ac, "second_person", []) {
			is_string(f)
		}
	}
}

test_roles_are_well_formed if {
	every _, role in acfg.roles {
		role.group in {"case", "network", "compliance", "partner", "ops"}
		every attr in role.scope {
			acfg.scope_attributes[attr]
		}
		role.description != ""
	}
}

test_incompatible_groups_are_known if {
	groups := {g | some _, role in acfg.roles; g := role.group}
	every pair in acfg.incompatible_groups {
		count(pair.groups) == 2
		every g in pair.groups {
			g in groups
		}
		pair.reason != ""
	}
}

# Every role but ops is one the share policy knows as an acting role.
test_roles_are_known_to_the_share_policy if {
	every r, _ in acfg.roles {
		share_role_or_ops(r)
	}
}

share_role_or_ops(r) if data.infohus.config.acting_roles[r]

share_role_or_ops(r) if acfg.roles[r].group == "ops"

# Rule 10: the basic registration is read by registration coordinators and
# leadership only.
test_registry_stays_restricted if {
	every a, ac in acfg.actions {
		registry_restricted(a, ac)
	}
}

registry_restricted(a, _) if not startswith(a, "registration.")

registry_restricted(_, ac) if {
	every r in ac.roles {
		r in {"registration_coordinator", "leadership"}
	}
}

# Rule 1: the network, partner systems and ops never touch personal data, and
# the network and case roles never share an action.
test_network_partner_and_ops_stay_out_of_personal_data if {
	every r in ["network_member", "partner_system", "admin"] {
		acfg.roles[r].personal_data == false
	}
	every _, ac in acfg.actions {
		no_personal_data_role_or_not_personal(ac)
	}
}

no_personal_data_role_or_not_personal(ac) if ac.personal_data == false

no_personal_data_role_or_not_personal(ac) if {
	every r in ac.roles {
		object.get(acfg.roles[r], "personal_data", true) == true
	}
}

test_network_and_case_stay_incompatible if {
	some pair in acfg.incompatible_groups
	{g | some g in pair.groups} == {"network", "case"}
	acfg.roles.network_member.group == "network"
	every r in ["ssp_coordinator", "police_coordinator", "registration_coordinator", "leadership", "authority_caseworker"] {
		acfg.roles[r].group == "case"
	}
}

test_every_case_role_is_scoped if {
	every _, role in acfg.roles {
		case_role_scoped(role)
	}
}

case_role_scoped(role) if role.group != "case"

case_role_scoped(role) if count(role.scope) > 0

test_authority_caseworker_is_bound_to_their_authority if {
	"authority" in acfg.roles.authority_caseworker.scope
	"municipality_code" in acfg.roles.authority_caseworker.scope
}

test_pet_signoff_keeps_the_second_person_rule if {
	"requested_by" in acfg.actions["case.pet.signoff"].second_person
}

# ---------------------------------------------------------------------------
# The in-app inbox (issue 12): one's own, within one's own scope
# ---------------------------------------------------------------------------

inbox := {"action": "inbox.read", "resource": {"type": "inbox"}}

inbox_as(roles) := object.union(inbox, {"subject": {"roles": roles}})

test_the_inbox_is_read_by_its_owner if {
	allowed(inbox)
	allowed(inbox_as(["police_coordinator"]))
	allowed(inbox_as(["network_member"]))
}

test_someone_elses_inbox_is_refused if {
	denied_with(object.union(inbox, {"resource": {"owner": "u-9"}}), "en indbakke kan kun læses af dens ejer")
}

test_an_inbox_without_an_owner_is_refused if {
	d := access.decision with input as json.remove(object.union(base, inbox), ["resource/owner"])
	d.allow == false
	"en indbakke kan kun læses af dens ejer" in d.reasons
}

test_the_owner_rule_is_only_the_inboxs if {
	allowed({"resource": {"owner": "u-9"}})
}

test_the_inbox_is_read_within_ones_own_municipality_or_district if {
	denied_with(object.union(inbox, res_851), "subject belongs to municipality 820, the inbox to 851")
	denied_with(object.union(inbox_as(["police_coordinator"]), res_other_district), "police district")
}

test_the_inbox_refuses_a_network_and_case_role_together if {
	denied_with(inbox_as(["network_member", "ssp_coordinator"]), "may not hold both a network role and a case role")
}

test_partner_systems_and_operations_have_no_inbox if {
	denied_with(inbox_as(["partner_system"]), "'inbox.read' is allowed only for")
	denied_with(inbox_as(["admin"]), "role 'admin' may not perform 'inbox.read'")
}

# ---------------------------------------------------------------------------
# Members of another organisation (issue 13): the identity provider vouches
# for the subject's organisation (subject.vouched_org); the instance asking is
# input.instance
# ---------------------------------------------------------------------------

in_kommune_820 := {"instance": {"org": "kommune-820", "kind": "municipality"}}

in_network := {"instance": {"org": "netvaerk-nordjylland", "kind": "network"}}

# Nordjyllands Politi's police coordinator, signed in with the police's own
# identity provider.
police_nj := {"subject": {
	"roles": ["police_coordinator"], "org": "politi-nordjylland", "vouched_org": "politi-nordjylland",
	"municipality_code": null, "police_district": "nordjylland",
}}

police_nj_as(roles) := object.union(police_nj, {"subject": {"roles": roles}})

police_fyn := {"subject": {
	"roles": ["police_coordinator"], "org": "politi-fyn", "vouched_org": "politi-fyn",
	"municipality_code": null, "police_district": "fyn",
}}

# Aalborg's (851) staff, claiming Vesthimmerland's municipality code.
aalborg_as(roles) := {"subject": {
	"roles": roles, "org": "kommune-851", "vouched_org": "kommune-851",
	"municipality_code": "820", "police_district": "nordjylland",
}}

network_nj := {"subject": {
	"roles": ["network_member"], "org": "netvaerk-nordjylland", "vouched_org": "netvaerk-nordjylland",
	"municipality_code": null, "police_district": "nordjylland",
}}

at_820(patches) := object.union_n([in_kommune_820, patches[0], patches[1]])

police_actions := {a | some a, roles in expected_roles; "police_coordinator" in roles}

test_the_districts_police_coordinator_does_what_a_police_coordinator_may_in_a_municipality if {
	count(police_actions) > 10
	every a in police_actions {
		d := decide(at_820([police_nj, {"action": a}]))
		d.allow == true
		d.granted_by == ["police_coordinator"]
	}
}

test_a_police_member_is_admitted_as_police_coordinator_only if {
	denied_with(
		at_820([police_nj_as(["ssp_coordinator"]), {"subject": {"municipality_code": "820"}}]),
		"et login fra politi-nordjylland giver kun adgang til sager i kommune-820 med rollen police_coordinator",
	)
	denied_with(at_820([police_nj_as(["leadership"]), {"action": "registration.read"}]), "med rollen police_coordinator")

	# With the coordinator role as well, only that role grants.
	d := decide(at_820([police_nj_as(["police_coordinator", "ssp_coordinator"]), {}]))
	d.allow == true
	d.granted_by == ["police_coordinator"]
}

test_another_districts_police_gets_nothing_of_the_municipality if {
	denied_with(
		at_820([police_fyn, {}]),
		"et login fra politi-fyn giver kun adgang til sager i politikreds fyn, og dette hører til politikreds nordjylland",
	)

	# Claiming the municipality's district does not help: the org names the district.
	denied_with(
		at_820([police_fyn, {"subject": {"police_district": "nordjylland"}}]),
		"dit login er fra politi-fyn, men angiver politikreds nordjylland",
	)
}

test_the_police_district_claim_must_be_the_orgs if {
	denied_with(
		at_820([police_nj, {"subject": {"police_district": "fyn"}}]),
		"dit login er fra politi-nordjylland, men angiver politikreds fyn",
	)
	denied_with(
		at_820([police_nj, {"subject": {"police_district": null}}]),
		"dit login er fra politi-nordjylland, men angiver politikreds (ingen)",
	)
}

test_another_municipalitys_staff_get_nothing_of_this_instances_cases if {
	refusal := "medarbejdere i en anden kommune (kommune-851) har ingen adgang til sager i kommune-820"
	every r in ["ssp_coordinator", "leadership", "registration_coordinator", "authority_caseworker"] {
		every a, roles in expected_roles {
			cross_org_refused(r, a, roles, refusal)
		}
	}
}

# Only the actions the role may perform at all: the others are refused by the
# action table, with its own reason.
cross_org_refused(r, _, roles, _) if not r in roles

cross_org_refused(r, a, roles, refusal) if {
	r in roles
	denied_with(at_820([aalborg_as([r]), {"action": a}]), refusal)
}

test_another_municipalitys_compliance_officer_stays_out if {
	denied_with(
		at_820([aalborg_as(["compliance_officer"]), {"action": "processing_log.read"}]),
		"subject belongs to controller kommune-851, the case to kommune-820",
	)
}

test_a_network_member_of_another_org_gets_nothing_case_related if {
	every a in ["case.read", "case.list", "concern.create", "registration.read", "notification.read"] {
		denied_with(
			at_820([network_nj, {"action": a}]),
			"netværkets medlemmer (netvaerk-nordjylland) har ingen adgang til sager i kommune-820",
		)
	}

	# A municipality's network member in the network's own instance: the network, as before.
	aalborg_member := object.union(aalborg_as(["network_member"]), {"subject": {"municipality_code": "851"}})
	allowed(object.union_n([in_network, aalborg_member, network_res, {"action": "network.read"}]))
	allowed(object.union_n([in_network, aalborg_member, inbox]))
}

test_the_police_is_not_admitted_to_cases_outside_a_municipalitys_instance if {
	denied_with(
		object.union_n([in_network, police_nj, {}]),
		"politiets medarbejdere (politi-nordjylland) har ingen adgang til sager i netvaerk-nordjylland",
	)
	denied_with(
		object.union_n([{"instance": {"org": "politi-fyn", "kind": "police"}}, police_nj, {}]),
		"har ingen adgang til sager i politi-fyn",
	)
}

test_the_instances_own_members_are_decided_as_before if {
	own := {"subject": {"vouched_org": "kommune-820"}}
	allowed(at_820([own, {}]))
	allowed(at_820([own, as_role("compliance_officer", "processing_log.read")]))
	denied_with(at_820([own, res_851]), "subject belongs to municipality 820, the case to 851")
}

test_without_a_vouched_org_the_cross_org_rules_stay_out if {
	# A stand-alone instance: the token's org is its word only, and the scope claims decide.
	allowed(object.union(in_kommune_820, {"subject": {"org": "politikreds-nordjylland", "roles": ["police_coordinator"]}}))
	allowed(object.union(in_kommune_820, {"subject": {"org": "kommune-851"}}))
}

test_a_vouched_org_needs_the_instance if {
	denied_with(
		{"subject": {"vouched_org": "kommune-820"}},
		"adgangspolitikken fik ikke oplyst instansen (input.instance.org)",
	)
	denied_with(
		object.union(police_nj, {"instance": {"kind": "municipality"}}),
		"adgangspolitikken fik ikke oplyst instansen (input.instance.org)",
	)
}

test_an_instance_of_unknown_kind_admits_no_one if {
	denied_with(
		object.union_n([{"instance": {"org": "kommune-820"}}, police_nj, {}]),
		"politiets medarbejdere (politi-nordjylland) har ingen adgang til sager i kommune-820",
	)
}

test_the_cross_org_data_is_well_formed if {
	kinds := {k | some _, k in xcfg.org_kinds}
	kinds == {"municipality", "police", "network"}
	every p, _ in xcfg.org_kinds {
		every q, _ in xcfg.org_kinds {
			prefixes_apart(p, q)
		}
	}
	every g in xcfg.case_groups {
		g in {role.group | some _, role in acfg.roles}
	}
	every a in xcfg.admitted {
		a.instance in kinds
		a.member in kinds
		a.description != ""
		count(a.roles) > 0
		every r in a.roles {
			acfg.roles[r]
		}
	}
	every k in kinds | {"other"} {
		xcfg.member_labels[k] != ""
	}
}

xcfg := acfg.cross_org

prefixes_apart(p, p)

prefixes_apart(p, q) if {
	p != q
	not startswith(p, q)
	not startswith(q, p)
}

# Rule 1 stays: the network is never admitted to another organisation's cases.
test_the_network_is_never_admitted if {
	every a in xcfg.admitted {
		a.member != "network"
		every r in a.roles {
			acfg.roles[r].group != "network"
		}
	}
}
