package infohus.share_test

import data.infohus.share

with_cells(cells) := object.union(network_share, {"aggregate": {"cells": cells}})

test_aggregate_counts_at_or_above_k_allowed if allowed(with_cells([{"count": 5}, {"count": 120}]))

test_aggregate_zero_count_allowed if allowed(with_cells([{"count": 0}]))

test_aggregate_suppressed_cell_allowed if allowed(with_cells([{"count": null, "suppressed": true}]))

test_aggregate_small_cell_is_denied if {
	denied_with(
		with_cells([{"count": 7}, {"count": 4}]),
		"aggregate cell 1 is a small cell: count 4 is below k=5 and must be suppressed",
	)
}

test_aggregate_count_of_one_is_denied if denied_with(with_cells([{"count": 1}]), "is a small cell")

test_aggregate_k_comes_from_policy_data if {
	denied_with(with_cells([{"count": 7}]), "count 7 is below k=10") with data.infohus.config.k_threshold as 10
}

test_aggregate_k_defaults_to_5 if {
	share.k == 5 with data.infohus.config.k_threshold as "ten"
	denied_with(with_cells([{"count": 4}]), "below k=5") with data.infohus.config.k_threshold as "ten"
}

test_aggregate_needs_cells if {
	d := share.decision with input as object.remove(object.union(base, network_share), ["aggregate"])
	"aggregate shares must carry input.aggregate.cells (counts only)" in d.reasons
}

test_aggregate_cells_must_be_a_list if {
	denied_with(object.union(network_share, {"aggregate": {"cells": "7"}}), "aggregate shares must carry input.aggregate.cells")
}

test_aggregate_cell_must_be_an_object if denied_with(with_cells([7]), "aggregate cell 0 is not an object")

test_aggregate_cell_needs_a_count if denied_with(with_cells([{"age_band": "15-17"}]), "aggregate cell 0 has no count")

test_aggregate_negative_count_is_denied if denied_with(with_cells([{"count": -6}]), "aggregate cell 0 has an invalid count '-6'")

test_aggregate_fractional_count_is_denied if denied_with(with_cells([{"count": 5.5}]), "has an invalid count '5.5'")

test_aggregate_text_count_is_denied if denied_with(with_cells([{"count": "7"}]), "has an invalid count '7'")

test_aggregate_null_count_must_be_suppressed if {
	denied_with(with_cells([{"count": null}]), "aggregate cell 0 has no count but is not marked suppressed")
}

test_aggregate_suppressed_cell_must_not_carry_count if {
	denied_with(with_cells([{"count": 3, "suppressed": true}]), "aggregate cell 0 is marked suppressed but still carries a count")
}

test_aggregate_identifier_is_denied if {
	denied_with(
		with_cells([{"count": 7, "cpr": "0101801234"}]),
		"aggregate cell 0 has field 'cpr', which is not an allowed dimension: no identifiers or free text",
	)
}

test_aggregate_free_text_label_is_denied if {
	denied_with(
		with_cells([{"count": 7, "area": "the boy who lives above the bakery on the main street"}]),
		"aggregate cell 0 field 'area' must be a short label (at most 40 characters), not free text",
	)
}

test_aggregate_nested_value_is_denied if {
	denied_with(with_cells([{"count": 7, "area": {"street": "x"}}]), "field 'area' must be a short label")
}

test_aggregate_labels_of_all_scalar_kinds_allowed if {
	allowed(with_cells([{"count": 7, "year": 2026, "area": "Aars", "outcome": null, "decision": true, "suppressed": false}]))
}

# The registry's statistics for the network: one cell per report, the metric and period on top,
# the dimension as an allow-listed cell key (services/registry/infohus_registry/statistics.py).
test_aggregate_registry_dimension_cells_allowed if {
	every cell in [
		{"count": 7, "suppressed": false, "municipality_code": "820"},
		{"count": null, "suppressed": true, "municipality_code": "820", "age_band": "15-17"},
		{"count": 5, "suppressed": false, "municipality_code": "820", "source_category": "public_school"},
		{"count": 0, "suppressed": false, "municipality_code": "820", "concern_level": "moderat"},
		{"count": 6, "suppressed": false, "municipality_code": "820", "outcome": "upheld"},
		{"count": 9, "suppressed": false, "municipality_code": "820", "effort_level": "preventive"},
	] {
		allowed(object.union(network_share, {"aggregate": {"metric": "age_band", "period": "2026-11", "cells": [cell]}}))
	}
}

test_aggregate_registry_dimension_cell_still_suppresses_small_counts if {
	denied_with(
		object.union(network_share, {"aggregate": {"metric": "source_category", "period": "2026-11", "cells": [{"count": 3, "suppressed": false, "source_category": "police"}]}}),
		"is a small cell",
	)
}

test_aggregate_unknown_top_level_field_is_denied if {
	denied_with(
		object.union(network_share, {"aggregate": {"notes": "x"}}),
		"aggregate field 'notes' is not allowed: aggregates carry counts only",
	)
}

test_aggregate_top_level_free_text_is_denied if {
	denied_with(
		object.union(network_share, {"aggregate": {"period": "a long free text that someone typed in about the case"}}),
		"aggregate field 'period' must be a short label",
	)
}

test_aggregate_top_level_label_allowed if allowed(object.union(network_share, {"aggregate": {"period": "2026-Q3", "metric": "concerns"}}))

test_aggregate_rules_apply_to_every_recipient if {
	denied_with(
		object.union(network_share, {"recipient": {"kind": "municipal_infohus", "org": "kommune-820"}, "aggregate": {"cells": [{"count": 2}]}}),
		"is a small cell",
	)
}

test_aggregate_defaults_without_config if {
	no_config := {"allowed_aggregate_keys": null, "allowed_cell_keys": null, "max_label_length": null}
	share.allowed_cell_keys == ["count", "suppressed"] with data.infohus.config.aggregate as no_config
	share.allowed_aggregate_keys == ["cells"] with data.infohus.config.aggregate as no_config
	share.max_label_length == 40 with data.infohus.config.aggregate as no_config
	denied_with(with_cells([{"count": 7, "age_band": "15-17"}]), "field 'age_band'") with data.infohus.config.aggregate as no_config
}
