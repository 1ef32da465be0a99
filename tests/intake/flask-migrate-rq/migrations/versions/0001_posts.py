"""posts

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("post", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("body", sa.String(140), nullable=False))


def downgrade():
    op.drop_table("post")
