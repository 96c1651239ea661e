# Aggregate checks, part of the share decision. Whenever the data class
# "aggregate" is shared, input.aggregate.cells must carry counts only: every count is 0 or at least
# k (data.infohus.config.k_threshold, default 5), or the cell is suppressed
# (count null, suppressed true); no identifiers and no free text.
package infohus.share

default k := 5

k := cfg.k_threshold if is_number(cfg.k_threshold)

default allowed_aggregate_keys := ["cells"]

allowed_aggregate_keys := cfg.aggregate.allowed_aggregate_keys if is_array(cfg.aggregate.allowed_aggregate_keys)

default allowed_cell_keys := ["count", "suppressed"]

allowed_cell_keys := cfg.aggregate.allowed_cell_keys if is_array(cfg.aggregate.allowed_cell_keys)

default max_label_length := 40

max_label_length := cfg.aggregate.max_label_length if is_number(cfg.aggregate.max_label_length)

sharing_aggregate if "aggregate" in classes

cells := req.aggregate.cells if is_array(req.aggregate.cells)

deny contains "aggregate shares must carry input.aggregate.cells (counts only)" if {
	sharing_aggregate
	not cells
}

deny contains msg if {
	sharing_aggregate
	some key, _ in req.aggregate
	not key in allowed_aggregate_keys
	msg := sprintf("aggregate field '%s' is not allowed: aggregates carry counts only", [key])
}

deny contains msg if {
	sharing_aggregate
	some key, value in req.aggregate
	key != "cells"
	not scalar_label(value)
	msg := sprintf("aggregate field '%s' must be a short label (at most %v characters), not free text", [key, max_label_length])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	not is_object(cell)
	msg := sprintf("aggregate cell %d is not an object", [i])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	is_object(cell)
	not "count" in object.keys(cell)
	msg := sprintf("aggregate cell %d has no count", [i])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	n := cell.count
	n != null
	not valid_count(n)
	msg := sprintf("aggregate cell %d has an invalid count '%v' (a whole number, 0 or more, is required)", [i, n])
}

# The small-cell rule.
deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	n := cell.count
	valid_count(n)
	n > 0
	n < k
	msg := sprintf("aggregate cell %d is a small cell: count %v is below k=%v and must be suppressed (count null, suppressed true)", [i, n, k])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	cell.count == null
	not cell.suppressed == true
	msg := sprintf("aggregate cell %d has no count but is not marked suppressed", [i])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	cell.suppressed == true
	cell.count != null
	msg := sprintf("aggregate cell %d is marked suppressed but still carries a count", [i])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	some key, _ in cell
	not key in allowed_cell_keys
	msg := sprintf("aggregate cell %d has field '%s', which is not an allowed dimension: no identifiers or free text", [i, key])
}

deny contains msg if {
	sharing_aggregate
	some i, cell in cells
	some key, value in cell
	not key in {"count", "suppressed"}
	not scalar_label(value)
	msg := sprintf("aggregate cell %d field '%s' must be a short label (at most %v characters), not free text", [i, key, max_label_length])
}

valid_count(n) if {
	is_number(n)
	n >= 0
	n == round(n)
}

scalar_label(v) if is_number(v)

scalar_label(v) if is_boolean(v)

scalar_label(v) if is_null(v)

scalar_label(v) if {
	is_string(v)
	count(v) <= max_label_length
}
