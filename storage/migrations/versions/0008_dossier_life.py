"""Issue 15: what only the one-stop system knows of a dossier (its channel, receipt time,
whether its procedure returns a paper result, components it took from the national portal's
folder) and how its life ended (resolved, returned, withdrawn)."""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("submissions") as submissions:
        submissions.add_column(sa.Column("channel", sa.String(10), nullable=True))
        submissions.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        submissions.add_column(sa.Column("returns_result", sa.Boolean(), nullable=True))
        submissions.add_column(sa.Column("reused_components", sa.JSON(), nullable=True))
        submissions.add_column(sa.Column("outcome", sa.String(10), nullable=True))
        submissions.add_column(sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True))
