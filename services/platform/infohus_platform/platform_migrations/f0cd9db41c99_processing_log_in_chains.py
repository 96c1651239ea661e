"""processing log in chains

Revision ID: f0cd9db41c99
Revises: 350dfcf61725
Create Date: 2026-12-02 06:37:10.435834
"""
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op


revision: str = 'f0cd9db41c99'
down_revision: str | None = '350dfcf61725'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Entries are numbered per chain: (chain, seq) is the key. Those written before chains existed are
    # chain 1, whose head is the old single head row (id 1), so they stay verifiable as they were.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with _key_replaced(), op.batch_alter_table('processing_log', schema=None,
                                               recreate='always' if sqlite else 'auto') as batch_op:
        batch_op.add_column(sa.Column('chain', sa.Integer(), nullable=False, server_default='1'))
        if not sqlite:
            batch_op.drop_constraint('processing_log_pkey', type_='primary')
        batch_op.create_primary_key('processing_log_pkey', ['chain', 'seq'])


def downgrade() -> None:
    # Only while every entry is on chain 1: entries of other chains would collide on seq.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with _key_replaced(), op.batch_alter_table('processing_log', schema=None,
                                               recreate='always' if sqlite else 'auto') as batch_op:
        if not sqlite:
            batch_op.drop_constraint('processing_log_pkey', type_='primary')
        batch_op.drop_column('chain')
        batch_op.create_primary_key('processing_log_pkey', ['seq'])


@contextmanager
def _key_replaced() -> Iterator[None]:
    """SQLite rebuilds the table, and SQLAlchemy warns that the new key differs from the one it read: it is meant to."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*primary_key=True, not matching locally specified columns")
        yield
