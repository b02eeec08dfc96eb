"""Issue 6: dossiers whose objects are being uploaded, so a crash before the catalogue commit
is found (and repaired from the manifest) by ``sohoa reconcile``."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "pending",
        sa.Column("dossier_code", sa.String(50), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )
