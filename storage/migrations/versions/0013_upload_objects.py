"""Issue 17: an upload's original in S3 (its key, once S3 acknowledged it) and how many runs
took it, and which worker processed it, so any worker reads it by reference and a dossier that crashes its runs stops."""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    with op.batch_alter_table("uploads") as uploads:
        uploads.add_column(sa.Column("object_key", sa.String(300), nullable=True))
        uploads.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                     server_default="0"))
        uploads.add_column(sa.Column("processed_by", sa.String(200), nullable=True))
