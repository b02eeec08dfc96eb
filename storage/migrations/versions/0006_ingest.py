"""Issue 7: the ingest API's clients, the one-stop system's dossiers and their uploads,
idempotency keys and webhook deliveries."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("token_sha256", sa.String(64), unique=True, nullable=False),
        sa.Column("agencies", sa.JSON, nullable=False),
        sa.Column("webhook_secret", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "submissions",
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("agency", sa.String(35), index=True, nullable=False),
        sa.Column("procedure", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(13), nullable=True),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("callback_url", sa.String(2000), nullable=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), index=True, nullable=False),
        sa.Column("error", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_code", sa.String(50), index=True, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("component", sa.String(50), nullable=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dossier_code", "kind", "sha256", name="uq_uploads_file"),
    )
    op.create_table(
        "idempotency",
        sa.Column("client", sa.String(100), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_code", sa.String(50), index=True, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), index=True, nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
