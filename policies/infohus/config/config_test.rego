# Checks on the policy data itself (data.infohus.config), so that a change to
# data.json that is inconsistent, or that breaks one of the rules of
# LEGAL.md §1, fails `opa test` before it is deployed.
package infohus.config_test

cfg := data.infohus.config

# ---------------------------------------------------------------------------
# Consistency: every name the data refers to exists
# ---------------------------------------------------------------------------

test_policy_version_is_set if regex.match(`^\d{4}-\d{2}-\d{2}\.\d+$`, cfg.policy_version)

test_k_threshold_is_a_whole_number_of_at_least_2 if {
	is_number(cfg.k_threshold)
	cfg.k_threshold == round(cfg.k_threshold)
	cfg.k_threshold >= 2
}

test_necessity_reason_min_length_is_positive if cfg.necessity_reason_min_length >= 1

test_recipient_purposes_are_known_and_not_forbidden if {
	every _, r in cfg.recipients {
		every p, _ in object.get(r, "purposes", {}) {
			cfg.purposes[p]
			not cfg.purposes[p].forbidden
		}
	}
}

test_recipient_classes_are_known if {
	every _, r in cfg.recipients {
		every _, p in object.get(r, "purposes", {}) {
			every c in p.classes {
				cfg.data_classes[c]
			}
		}
	}
}

test_every_allowed_purpose_cites_a_legal_basis if {
	every _, r in cfg.recipients {
		every _, p in object.get(r, "purposes", {}) {
			count(object.get(p, "legal_basis", [])) + count(object.get(p, "legal_basis_by_regime", {})) > 0
		}
	}
}

test_gated_class_keys_exist if {
	every _, r in cfg.recipients {
		every _, p in object.get(r, "purposes", {}) {
			every _, key in object.get(p, "gated_classes", {}) {
				cfg.unresolved[key]
			}
		}
	}
}

test_purpose_level_unresolved_keys_exist if {
	every _, r in cfg.recipients {
		every _, p in object.get(r, "purposes", {}) {
			known_or_absent(object.get(p, "unresolved", null))
		}
	}
	every _, r in cfg.recipients {
		known_or_absent(object.get(object.get(r, "requires_flag", {}), "unresolved", null))
	}
}

known_or_absent(key) if key == null

known_or_absent(key) if cfg.unresolved[key]

test_unresolved_points_are_documented if {
	every _, u in cfg.unresolved {
		is_boolean(u.allow)
		startswith(u.question, "LEGAL.md §15 Q")
		u.summary != ""
	}
}

test_reroutes_point_to_known_recipients if {
	every _, r in cfg.recipients {
		target_known(object.get(r, "reroute", null))
	}
}

target_known(t) if t == null

target_known(t) if cfg.recipients[t]

test_section_115_shares_only_within_the_circle if {
	every _, r in cfg.recipients {
		every _, p in object.get(r, "purposes", {}) {
			in_circle_or_not_115(r, p)
		}
	}
}

in_circle_or_not_115(_, p) if not p.section_115

in_circle_or_not_115(r, _) if r.section_115_circle == true

test_stated_basis_codes_have_texts if {
	every c, by_regime in cfg.stated_basis {
		cfg.data_classes[c].needs_stated_basis == true
		every regime, codes in by_regime {
			cfg.regimes[regime]
			every _, text in codes {
				text != ""
			}
		}
	}
}

test_imminent_risk_recipients_are_known if {
	every kind in cfg.section_115.imminent_risk_enrichment_recipients {
		cfg.recipients[kind]
	}
}

test_partner_subscriptions_are_lists if {
	every _, types in cfg.partner_subscriptions {
		is_array(types)
	}
}

test_retention_rules_are_complete if {
	every _, rule in cfg.retention.rules {
		rule.months == round(rule.months)
		rule.months > 0
		count(rule.from) > 0
		rule.action in {"anonymise", "delete"}
	}
	every _, id in cfg.retention.outcome_rules {
		cfg.retention.rules[id]
	}
	every _, id in cfg.retention.item_rules {
		cfg.retention.rules[id]
	}
}

# ---------------------------------------------------------------------------
# Invariants from LEGAL.md §1 that data changes must not break
# ---------------------------------------------------------------------------

# Rule 3: prevention only.
test_investigation_stays_forbidden if cfg.purposes.investigation.forbidden == true

# Rule 1: the network (and partner systems) get aggregates and general knowledge only.
test_network_and_partners_stay_aggregate_only if {
	every kind in ["network", "partner_system"] {
		cfg.recipients[kind].aggregate_only == true
		every _, p in cfg.recipients[kind].purposes {
			every c in p.classes {
				c in {"aggregate", "general_knowledge"}
			}
		}
	}
	every c in cfg.sender_services.network.classes {
		c in {"aggregate", "general_knowledge"}
	}
}

# Rule 5: PET/EAE only through the local police.
test_pet_eae_stays_rerouted if {
	cfg.recipients.pet_eae.reroute == "local_police"
	not cfg.recipients.pet_eae.purposes
}

# The sender of a concern never gets case information back.
test_reporter_gets_no_case_information if {
	cfg.recipients.reporter.no_case_information == true
	every _, p in cfg.recipients.reporter.purposes {
		every c in p.classes {
			c in {"reporter", "process"}
		}
	}
}

# Rule 9: special-category and criminal data need their own stated basis.
test_special_category_and_criminal_need_stated_basis if {
	cfg.data_classes.special_category.needs_stated_basis == true
	cfg.data_classes.criminal.needs_stated_basis == true
}

# Reporter data stays with the registration coordinators.
test_reporter_data_goes_nowhere_else if {
	every kind, r in cfg.recipients {
		every _, p in object.get(r, "purposes", {}) {
			reporter_ok(kind, p)
		}
	}
}

reporter_ok(_, p) if not "reporter" in p.classes

reporter_ok(kind, _) if kind in {"internal", "reporter"}

# The duty-to-inform letter (notify) quotes these texts: each regime cites its legal basis,
# and the letter names purpose, categories, source and recipients (GDPR art. 14(1)-(2)).
test_notice_texts_are_complete if {
	every regime, _ in cfg.regimes {
		count(cfg.notice.legal_basis[regime]) > 0
	}
	count(trim_space(cfg.notice.purpose)) > 0
	count(trim_space(cfg.notice.source)) > 0
	count(cfg.notice.data_categories) > 0
	count(cfg.notice.recipients) > 0
}

# The municipal letter cites § 115, GDPR art. 6(1)(e) and DBL §§ 7 stk. 4 and 8 (LEGAL.md §1 rule 9, §11).
test_notice_cites_the_municipal_legal_bases if {
	bases := concat(" ", cfg.notice.legal_basis.gdpr)
	contains(bases, "§ 115")
	contains(bases, "artikel 6, stk. 1, litra e")
	contains(bases, "§ 7, stk. 4")
	contains(bases, "§ 8")
}
