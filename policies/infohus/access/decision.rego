# METADATA
# title: Access decision
# description: |
#   Who may do what through the HTTP APIs:
#   POST /v1/data/infohus/access/decision. Default deny: a request is allowed
#   only when one of the subject's roles may perform the action on this
#   resource and no deny reason exists. The action → roles table, the role
#   scopes and the policy version are data in
#   policies/infohus/config/access/data.json (data.infohus.config.access), so
#   compliance staff can change them without touching the rules.
package infohus.access

acfg := data.infohus.config.access

# The input as an object; an absent or malformed input is treated as empty,
# so the decision stays defined (and denies).
default req := {}

req := input if is_object(input)

default subject := {}

subject := req.subject if is_object(req.subject)

default resource := {}

resource := req.resource if is_object(req.resource)

default action := ""

action := req.action if is_string(req.action)

# The configuration of the action; undefined for an unknown action.
ac := acfg.actions[action]

action_known if ac

user_id := subject.user_id if {
	is_string(subject.user_id)
	subject.user_id != ""
}

has_user_id if user_id

default roles_given := []

roles_given := subject.roles if is_array(subject.roles)

# The known roles the subject holds; unknown roles are ignored.
held := {r | some r in roles_given; is_string(r); acfg.roles[r]}

held_in_group(g) := {r | some r in held; acfg.roles[r].group == g}

# The held roles that the action table lists for this action.
permitted := {r | some r in held; r in ac.roles}

# How the resource is named in reasons ("case", "enrichment_request", ...).
default rtype := "resource"

rtype := resource.type if {
	is_string(resource.type)
	resource.type != ""
}

default policy_version := "unknown"

policy_version := acfg.policy_version

# ---------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------

default allow := false

allow if {
	count(deny) == 0
	count(grants) > 0
}

decision := {
	"allow": allow,
	"reasons": reasons,
	"policy_version": policy_version,
	"log_access": log_access,
	"purpose": purpose,
	"granted_by": granted_by,
}

reasons := [r | some r in deny] if not allow

reasons := [sprintf("allowed: '%s' as %s", [action, concat(", ", granted_by)])] if allow

default granted_by := []

granted_by := sort(grants) if allow

# The service writes a processing-log entry when the allowed action reads or
# writes personal data. A denied request processes nothing.
default log_access := false

log_access if {
	allow
	ac.personal_data == true
}

default purpose := null

purpose := ac.purpose if is_string(ac.purpose)

# ---------------------------------------------------------------------------
# Roles and scope
# ---------------------------------------------------------------------------

# A scope attribute (municipality_code, police_district, authority) as a
# string; numbers are accepted, so 820 and "820" are the same municipality.
scope_value(obj, key) := obj[key] if {
	is_string(obj[key])
	obj[key] != ""
}

scope_value(obj, key) := sprintf("%v", [obj[key]]) if is_number(obj[key])

has_scope_value(obj, key) if scope_value(obj, key)

label(attr) := object.get(acfg.scope_attributes, attr, attr)

# [role, reason] for every permitted role that may not act on this resource.
role_failure contains [r, msg] if {
	some r in permitted
	some attr in acfg.roles[r].scope
	not has_scope_value(subject, attr)
	msg := sprintf("role '%s' acts only within its own %s, but the subject has no %s", [r, label(attr), attr])
}

role_failure contains [r, msg] if {
	some r in permitted
	some attr in acfg.roles[r].scope
	has_scope_value(subject, attr)
	not has_scope_value(resource, attr)
	msg := sprintf("the %s has no %s; role '%s' acts only within its own %s", [rtype, attr, r, label(attr)])
}

role_failure contains [r, msg] if {
	some r in permitted
	some attr in acfg.roles[r].scope
	s := scope_value(subject, attr)
	o := scope_value(resource, attr)
	s != o
	msg := sprintf("subject belongs to %s %s, the %s to %s", [label(attr), s, rtype, o])
}

# A role without a scope list in the data is never in scope (fail closed);
# an unscoped role has "scope": [].
role_failure contains [r, msg] if {
	some r in permitted
	not role_scope_listed(r)
	msg := sprintf("role '%s' has no scope in the access data (data.infohus.config.access.roles.%s.scope)", [r, r])
}

role_scope_listed(r) if is_array(acfg.roles[r].scope)

# A role marked personal_data: false (network, partner systems, ops) never
# performs an action on personal data, even if the table were to list it.
role_failure contains [r, msg] if {
	some r in permitted
	acfg.roles[r].personal_data == false
	ac.personal_data == true
	msg := sprintf("role '%s' never handles personal data, and '%s' does", [r, action])
}

# ---------------------------------------------------------------------------
# Members of another organisation (issue 13)
# ---------------------------------------------------------------------------

# The instance asking (input.instance: its org and kind, from the district
# document or the org's prefix) and the organisation the subject's identity
# provider vouches for (subject.vouched_org; only on an instance with a
# district document, so a stand-alone instance is decided as before).
xcfg := acfg.cross_org

default instance := {}

instance := req.instance if is_object(req.instance)

vouched_org := subject.vouched_org if {
	is_string(subject.vouched_org)
	subject.vouched_org != ""
}

instance_org := instance.org if {
	is_string(instance.org)
	instance.org != ""
}

instance_kind := instance.kind if is_string(instance.kind)

# The subject's identity provider vouches for an organisation that is not the
# instance's own.
foreign if vouched_org != instance_org

default member_kind := "other"

member_kind := kind if {
	some prefix, kind in xcfg.org_kinds
	startswith(vouched_org, prefix)
}

# The police district (or network) an org of a district names: politi-<district>.
member_district := trim_prefix(vouched_org, prefix) if {
	some prefix, _ in xcfg.org_kinds
	startswith(vouched_org, prefix)
}

# The entries of cross_org.admitted that let this member in at this instance.
admission contains a if {
	foreign
	some a in xcfg.admitted
	a.instance == instance_kind
	a.member == member_kind
}

admitted_roles := {r | some a in admission; some r in a.roles}

case_role(r) if acfg.roles[r].group in xcfg.case_groups

# An action a case role may perform: what another organisation's member gets
# nothing of unless admitted.
case_related if {
	some r in ac.roles
	case_role(r)
}

foreign_case_refusal := msg if {
	count(admitted_roles) > 0
	msg := sprintf(
		"et login fra %s giver kun adgang til sager i %s med rollen %s",
		[vouched_org, instance_org, concat(" eller ", sort(admitted_roles))],
	)
}

foreign_case_refusal := msg if {
	count(admitted_roles) == 0
	msg := sprintf(
		"%s (%s) har ingen adgang til sager i %s",
		[object.get(xcfg.member_labels, member_kind, xcfg.member_labels.other), vouched_org, instance_org],
	)
}

# A case role of another organisation's member grants nothing here unless admitted.
role_failure contains [r, foreign_case_refusal] if {
	foreign
	some r in permitted
	case_role(r)
	not r in admitted_roles
}

# An admitted role bound to its own police district: the subject's district
# claim and the resource's district must both be the one its org names.
role_failure contains [r, msg] if {
	some a in admission
	a.same_police_district == true
	some r in permitted
	r in a.roles
	not claims_member_district
	msg := sprintf(
		"dit login er fra %s, men angiver politikreds %s",
		[vouched_org, shown_scope(subject, "police_district")],
	)
}

role_failure contains [r, msg] if {
	some a in admission
	a.same_police_district == true
	some r in permitted
	r in a.roles
	not resource_in_member_district
	msg := sprintf(
		"et login fra %s giver kun adgang til sager i politikreds %s, og dette hører til politikreds %s",
		[vouched_org, member_district, shown_scope(resource, "police_district")],
	)
}

# Helper rules: a negated comparison with a function call would be false, not
# true, when the call is undefined (see the note under "Deny reasons").
claims_member_district if scope_value(subject, "police_district") == member_district

resource_in_member_district if scope_value(resource, "police_district") == member_district

default shown_scope(_, _) := "(ingen)"

shown_scope(obj, key) := scope_value(obj, key)

failed_roles := {r | some [r, _] in role_failure}

# The roles that allow this request.
grants := permitted - failed_roles

# ---------------------------------------------------------------------------
# Deny reasons
# ---------------------------------------------------------------------------

# Note: "not f(x)" is false, not true, when x is an undefined rule or ref
# (the ref is evaluated outside the negation), so such checks go through
# helper rules.
policy_loaded if is_string(data.infohus.config.access.policy_version)

input_is_object if is_object(input)

subject_given if is_object(req.subject)

resource_malformed if {
	r := req.resource
	r != null
	not is_object(r)
}

roles_malformed if {
	r := subject.roles
	not is_array(r)
}

deny contains "access policy data is not loaded (data.infohus.config.access)" if not policy_loaded

deny contains "input must be an object" if not input_is_object

deny contains "subject is missing (the caller passes the verified token's claims as input.subject)" if not subject_given

deny contains "resource must be an object" if resource_malformed

deny contains "subject.user_id is missing" if not has_user_id

deny contains "action is missing" if action == ""

deny contains msg if {
	action != ""
	not action_known
	msg := sprintf("unknown action '%s'", [action])
}

deny contains "subject.roles must be an array" if roles_malformed

deny contains "subject has no roles" if count(roles_given) == 0

deny contains msg if {
	count(roles_given) > 0
	count(held) == 0
	msg := sprintf("subject has no known role (unknown roles are ignored: %s)", [concat(", ", [sprintf("%v", [r]) | some r in roles_given])])
}

# No token may carry both a network role and a case role.
deny contains msg if {
	some pair in acfg.incompatible_groups
	a := held_in_group(pair.groups[0])
	b := held_in_group(pair.groups[1])
	count(a) > 0
	count(b) > 0
	msg := sprintf(
		"a subject may not hold both a %s role and a %s role (holds %s and %s): %s",
		[pair.groups[0], pair.groups[1], concat(", ", sort(a)), concat(", ", sort(b)), pair.reason],
	)
}

# None of the subject's roles may perform the action.
deny contains msg if {
	count(held) > 0
	count(permitted) == 0
	some r in held
	action_known
	msg := sprintf("role '%s' may not perform '%s'", [r, action])
}

deny contains msg if {
	count(held) > 0
	count(permitted) == 0
	action_known
	msg := sprintf("'%s' is allowed only for: %s%s", [action, concat(", ", sort(ac.roles)), note_suffix])
}

default note_suffix := ""

note_suffix := sprintf("; %s", [ac.note]) if is_string(ac.note)

# A role may perform the action, but not on this resource. The reasons are
# given only when no other role of the subject allows the request.
deny contains msg if {
	count(grants) == 0
	some [_, msg] in role_failure
}

# Another organisation's member without an admitted role gets nothing
# case-related here (a network member, another municipality's staff), said in
# Danish even when no case role was held.
deny contains foreign_case_refusal if {
	foreign
	case_related
	count(grants) == 0
	count(held & admitted_roles) == 0
}

# A vouched organisation can be judged only against the instance asking.
deny contains "adgangspolitikken fik ikke oplyst instansen (input.instance.org), så et login med en bekræftet organisation kan ikke vurderes" if {
	vouched_org
	not instance_org
}

# Second-person sign-off: the subject may not be the one named in any of the
# listed resource fields (requested_by, decided_by).
deny contains msg if {
	some f in ac.second_person
	has_user_id
	resource[f] == user_id
	msg := sprintf("a second person must sign off: the %s's %s is the subject itself (%s)", [rtype, f, user_id])
}

deny contains msg if {
	count(ac.second_person) > 0
	not second_person_checkable
	msg := sprintf("a second person must sign off, but the %s has no %s to check against", [rtype, concat(" or ", ac.second_person)])
}

second_person_checkable if {
	some f in ac.second_person
	is_string(resource[f])
	resource[f] != ""
}

# Owner only (the inbox): the resource names whose it is (owner), and that
# must be the subject itself. A resource without an owner is refused too.
deny contains ac.owner_only if {
	is_string(ac.owner_only)
	not owned_by_subject
}

owned_by_subject if {
	has_user_id
	resource.owner == user_id
}
