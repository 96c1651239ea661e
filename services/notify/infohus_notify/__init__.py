"""Notify: turns notification requests into messages to citizens and staff."""
