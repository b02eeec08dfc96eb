"""Issue 13: each pending upload names its run, so the versions a crashed run wrote (tagged with
it) can be removed without touching those of a run that succeeded."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("pending") as pending:
        pending.add_column(sa.Column("run", sa.String(32), nullable=True))
