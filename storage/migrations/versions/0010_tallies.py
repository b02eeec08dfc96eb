"""Issue 15: each dossier's tally for the digitisation report (``storage.tally``), so the
report over a million dossiers is a ``GROUP BY``; filled from the dossiers already there."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "tallies",
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("agency", sa.String(35), nullable=False, index=True),
        sa.Column("procedure", sa.String(16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("received_month", sa.String(7), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("missed", sa.String(20), nullable=True),
        sa.Column("naive", sa.Boolean(), nullable=False),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("results_required", sa.Boolean(), nullable=False),
        sa.Column("with_result", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_tallies_received", "tallies", ["received_on", "agency", "received_month",
                                                       "procedure", "missed", "naive", "reused"])
    op.create_index("ix_tallies_resolved", "tallies", ["resolved_on", "agency", "received_month",
                                                       "procedure", "results_required",
                                                       "with_result"])
    from storage.tally import rebuild  # today's rules, over the dossiers already archived

    rebuild(Session(bind=op.get_bind()))
