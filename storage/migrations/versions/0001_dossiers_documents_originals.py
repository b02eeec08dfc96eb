"""The catalogue of issue 2: dossiers, their documents and original files."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("agency", sa.String(35), index=True, nullable=False),
        sa.Column("procedure", sa.String(16), index=True, nullable=False),
        sa.Column("received_on", sa.Date, index=True, nullable=False),
        sa.Column("status", sa.String(20), index=True, nullable=False),
        sa.Column("originals_digest", sa.String(64), nullable=False),
        sa.Column("manifest_key", sa.String(300), nullable=True),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dossier_code", sa.String(50), sa.ForeignKey("dossiers.code"), index=True,
                  nullable=False),
        sa.Column("order", sa.Integer, nullable=False),
        sa.Column("component", sa.String(50), nullable=True),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("ocr_key", sa.String(300), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("text", sa.String, nullable=False),
    )
    op.create_table(
        "originals",
        sa.Column("dossier_code", sa.String(50), sa.ForeignKey("dossiers.code"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
