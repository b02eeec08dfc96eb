"""Issue 15: an issued result's look-up token, printed in its QR code, found again by the
public look-up (``GET /tra-cuu/{token}``)."""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.add_column(sa.Column("lookup_token", sa.String(40), nullable=True))
        documents.create_index("ix_documents_lookup_token", ["lookup_token"], unique=True)
