"""Alembic environment: the platform runs it (see infohus_platform.migrations)."""

from alembic import context

from infohus_platform.migrations import run_env

run_env(context)
