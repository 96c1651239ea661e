"""Intake: receives concerns (bekymringshenvendelser) by phone, e-mail, in person, police reports, hotline and web."""
