"""Issue 16: the counter whose scanner sent each upload, so the desk shows each counter its own
dossiers."""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("uploads") as uploads:
        uploads.add_column(sa.Column("counter", sa.Integer(), nullable=True))
        uploads.create_index("ix_uploads_counter", ["counter"])
