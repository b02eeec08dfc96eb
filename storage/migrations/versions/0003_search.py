"""Issue 6: diacritics-insensitive full-text search over each document's text and fields.

``documents.search_text`` holds the folded text (see ``pipeline.text.fold``); SQLite indexes it
with FTS5 (an external-content table kept by triggers), PostgreSQL with a GIN index over
``to_tsvector('simple', …)``. Existing rows are backfilled here.
"""

import json

import sqlalchemy as sa
from alembic import op

from pipeline.text import fold

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("documents") as documents:
        documents.add_column(sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, text, fields FROM documents")).all()
    for row_id, text, fields in rows:
        values = json.loads(fields) if isinstance(fields, str) else fields or {}
        folded = fold(" ".join([text or ""] + [str(v.get("value", "")) for v in values.values()]))
        bind.execute(sa.text("UPDATE documents SET search_text = :t WHERE id = :i"),
                     {"t": folded, "i": row_id})
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE documents_fts USING fts5(search_text, "
                   "content='documents', content_rowid='id')")
        op.execute("INSERT INTO documents_fts(rowid, search_text) SELECT id, search_text FROM documents")
        op.execute("CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN "
                   "INSERT INTO documents_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
        op.execute("CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN "
                   "INSERT INTO documents_fts(documents_fts, rowid, search_text) "
                   "VALUES ('delete', old.id, old.search_text); END")
        op.execute("CREATE TRIGGER documents_fts_update AFTER UPDATE ON documents BEGIN "
                   "INSERT INTO documents_fts(documents_fts, rowid, search_text) "
                   "VALUES ('delete', old.id, old.search_text); "
                   "INSERT INTO documents_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
    else:
        op.execute("CREATE INDEX documents_search ON documents "
                   "USING gin (to_tsvector('simple', search_text))")
