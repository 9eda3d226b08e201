"""Full-text search over Procedure.search_text: FTS5 on SQLite, pg_trgm (GIN) on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_procedure_fts USING fts5("
    "search_text, content='catalog_procedure', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS catalog_procedure_fts_ai AFTER INSERT ON catalog_procedure BEGIN "
    "INSERT INTO catalog_procedure_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_procedure_fts_ad AFTER DELETE ON catalog_procedure BEGIN "
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_procedure_fts_au AFTER UPDATE OF search_text ON catalog_procedure BEGIN "
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO catalog_procedure_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO catalog_procedure_fts(catalog_procedure_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_au",
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_procedure_fts_ai",
    "DROP TABLE IF EXISTS catalog_procedure_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_procedure_search_trgm ON catalog_procedure USING gin (search_text gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS catalog_procedure_search_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
