"""Assessment's use cases, one module per part of the case process; the only callers of
``stage_event`` and ``processing_log.record``. Routes, handlers and jobs each call one of them."""
