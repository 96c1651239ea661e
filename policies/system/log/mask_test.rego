package system.log_test

import data.system.log

test_the_necessity_reason_is_masked if {
	"/input/necessity_reason" in log.mask with input as {"input": {"necessity_reason": "Åse's family has a case"}}
}

test_nothing_else_is_masked if {
	count(log.mask) == 1 with input as {"input": {"data_classes": ["identity"], "purpose": "prevention"}}
}
