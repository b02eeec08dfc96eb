"""Issue 6: a document is a dossier component or a result the agency issued (``<code>-KQ<n>``)."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild): SQLite keeps the search index's triggers.
    op.add_column("documents", sa.Column("kind", sa.String(10), nullable=False,
                                         server_default="component"))
