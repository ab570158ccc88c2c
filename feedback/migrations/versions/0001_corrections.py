"""The corrections table.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.Column("page_hash", sa.String(64), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("boilerplate", sa.Boolean(), nullable=False),
        sa.Column("acts", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("client", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
    )
    op.create_index("ix_corrections_text_hash", "corrections", ["text_hash"])
    op.create_index("ix_corrections_page_hash", "corrections", ["page_hash"])


def downgrade() -> None:
    op.drop_index("ix_corrections_page_hash", table_name="corrections")
    op.drop_index("ix_corrections_text_hash", table_name="corrections")
    op.drop_table("corrections")
