"""Intake's use cases: the only callers of ``stage_event`` and ``processing_log.record`` here."""
