# METADATA
# title: Decision-log masking
# description: |
#   OPA calls this before it writes a decision to its decision log. Free text
#   that staff type (the necessity reason of an enrichment request or a share
#   preview) may name a person, and the log is not the place for that: it keeps
#   that a reason was given (OPA records the masked path under "erased"), not
#   what it said. The decision itself saw the text; only the log loses it.
package system.log

mask contains "/input/necessity_reason"
