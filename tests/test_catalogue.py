"""The catalogue on both databases: migrations, records, digitisation codes, events, reuse;
and an old catalogue (made before migrations) brought up to date."""

from datetime import date, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from helpers import record
from pipeline.text import fold
from storage.tables import Base, DocumentRow, DossierRow, OriginalRow
from storage.migrations import migrate


def _dossier(code: str, owner: str, status: str = "digitised") -> DossierRow:
    return DossierRow(
        code=code, agency="000.00.06.H56", procedure="2.000488", received_on=date(2023, 10, 27),
        status=status, originals_digest="d" * 64, manifest_key="m", record=record(code, status),
        updated_at=datetime.now(timezone.utc),
        documents=[DocumentRow(order=1, component="GIAY_TO_TUY_THAN", pages=1, object_key="k",
                               sha256="a" * 64, ocr_key="o", fields={}, text="Nguyễn Văn An",
                               search_text=fold(f"Nguyễn Văn An Đặng Thị Hoa {owner} {code}"),
                               digitisation_code=f"{owner}.2.000488.GIAY_TO_TUY_THAN.01"
                               if code.endswith("1") else f"{owner}.2.000488.GIAY_TO_TUY_THAN.02")],
        originals=[OriginalRow(sha256="b" * 64, filename="cccd.jpg", object_key="x", size=1)])


def _not_search_index(name, kind, _parent) -> bool:
    """The search index is the database's own (FTS5 tables, a GIN index): not in the models."""
    return not (name or "").startswith(("documents_fts", "documents_search"))


def test_migrations_match_the_models(catalogue):
    import storage.ingest  # noqa: F401  (the ingest API's tables live in the same database)
    import pipeline.web.accounts  # noqa: F401  (and the pages' accounts)

    with catalogue.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_search_index})
        assert compare_metadata(context, Base.metadata) == []


def test_records_codes_events_and_reuse(catalogue):
    owner = "038090012345"
    catalogue.replace(_dossier("000.00.06.H56-231027-0001", owner))
    catalogue.replace(_dossier("000.00.06.H56-231027-0002", owner, "needs_review"))
    catalogue.replace(_dossier("000.00.06.H56-231027-0001", owner))  # replaced, not duplicated
    assert catalogue.codes() == ["000.00.06.H56-231027-0001", "000.00.06.H56-231027-0002"]
    prefix = f"{owner}.2.000488.GIAY_TO_TUY_THAN."
    assert catalogue.digitisation_numbers(prefix) == {"000.00.06.H56-231027-0001": [1],
                                                      "000.00.06.H56-231027-0002": [2]}
    since = datetime.now(timezone.utc) - timedelta(days=1)
    found = catalogue.reusable(owner, ["GIAY_TO_TUY_THAN"], since, "other")
    assert [row.code for _, row in found] == ["000.00.06.H56-231027-0001"]  # digitised only
    catalogue.add_event("000.00.06.H56-231027-0002", "correct", "Lê Thị Mai", {"field": "phone"})
    events = catalogue.events("000.00.06.H56-231027-0002")
    assert [(e.kind, e.by, e.detail) for e in events] == [("correct", "Lê Thị Mai", {"field": "phone"})]
    assert [r.code for r in catalogue.with_status("needs_review")] == ["000.00.06.H56-231027-0002"]


def test_a_catalogue_from_before_migrations_is_brought_up_to_date(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as connection:  # the issue-2 schema, as create_all made it
        connection.execute(text("CREATE TABLE dossiers (code VARCHAR(50) PRIMARY KEY, agency "
                                "VARCHAR(35), procedure VARCHAR(16), received_on DATE, status "
                                "VARCHAR(20), originals_digest VARCHAR(64), manifest_key "
                                "VARCHAR(300), result JSON, updated_at DATETIME)"))
        connection.execute(text('CREATE TABLE documents (id INTEGER PRIMARY KEY, dossier_code '
                                'VARCHAR(50), "order" INTEGER, component VARCHAR(50), pages '
                                'INTEGER, object_key VARCHAR(300), sha256 VARCHAR(64), ocr_key '
                                'VARCHAR(300), fields JSON, text VARCHAR)'))
        connection.execute(text("CREATE TABLE originals (dossier_code VARCHAR(50), sha256 "
                                "VARCHAR(64), filename VARCHAR(300), object_key VARCHAR(300), "
                                "size INTEGER, PRIMARY KEY (dossier_code, sha256))"))
        connection.execute(text("INSERT INTO dossiers (code, status) VALUES ('old', 'digitised')"))
        connection.execute(text("INSERT INTO dossiers (code, agency, procedure, received_on, "
                                "status) VALUES ('000.00.06.H56-231027-0002', '000.00.06.H56', "
                                "'2.000488', '2023-10-27', 'failed')"))
    migrate(engine)
    inspector = inspect(engine)
    assert "events" in inspector.get_table_names()
    assert "digitisation_code" in {c["name"] for c in inspector.get_columns("documents")}
    with engine.connect() as connection:
        assert "old" in connection.execute(text("SELECT code FROM dossiers")).scalars().all()
        assert connection.execute(text("SELECT code, missed FROM tallies")).all() == [
            ("000.00.06.H56-231027-0002", "not_received")]  # counted from before the tally
    engine.dispose()


def test_search_without_diacritics_and_with_filters(catalogue):
    catalogue.replace(_dossier("000.00.06.H56-231027-0001", "038090012345"))
    catalogue.replace(_dossier("000.00.06.H56-231027-0002", "001304000123"))
    found = lambda terms, **f: sorted(r.code for _, r in catalogue.search(terms, **f))  # noqa: E731
    both = ["000.00.06.H56-231027-0001", "000.00.06.H56-231027-0002"]
    assert found(fold("nguyen van an").split()) == both
    assert found(fold("Nguyễn Văn An").split()) == both
    assert found(["dang", "thi", "hoa"]) == both  # đ folds to d
    assert found(["001304000123"]) == ["000.00.06.H56-231027-0002"]
    assert found(["nguyen"], dossier="000.00.06.H56-231027-0001") == both[:1]
    assert found(["nguyen"], procedure="1.001193") == []
    assert found(["nguyen"], received_from=date(2023, 10, 28)) == []
    assert found(["tran"]) == []


def test_a_corrected_field_is_searchable_once_however_many_events_follow(catalogue):
    code = "000.00.06.H56-231027-0001"
    catalogue.replace(_dossier(code, "038090012345"))
    corrected = record(code, fields={"phone": {"value": "0912000111", "confidence": 1.0}})
    for kind in ("correct", "approve"):
        catalogue.add_event(code, kind, "Lê Thị Mai", {}, corrected)
    assert [r.code for _, r in catalogue.search(["0912000111"])] == [code]
    assert catalogue.find(code).documents[0].search_text.count("0912000111") == 1


def test_the_tally_follows_every_writer_and_equals_a_rebuild(catalogue):
    """The report's tally is rewritten by the archive, the audit and the one-stop system's
    declarations and events, each in its own transaction; recomputed from scratch it is the
    same."""
    from sqlalchemy import select

    from storage.ingest import Ingest
    from storage import tally
    from storage.tables import SubmissionRow, TallyRow

    def tallies() -> dict[str, tuple]:
        with catalogue.reading() as session:
            return {r.code: (r.agency, r.received_month, r.resolved_on, r.missed, r.naive,
                             r.reused, r.results_required, r.with_result)
                    for r in session.scalars(select(TallyRow))}

    code, declared = "000.01.06.H56-231027-0001", "000.00.06.H56-231027-0009"
    row = _dossier(code, "038090012345")
    whole = row.record.model_copy(update={"owner_id": "038090012345", "documents": [
        row.record.documents[0].model_copy(update={"digitisation_code": "c.01"})]})
    row.record, row.agency = whole, "000.01.06.H56"
    catalogue.replace(row)
    assert tallies()[code] == ("000.01.06.H56", "2023-10", None, None, True, False, False, False)
    catalogue.add_audits({code: ["changed"]})
    assert tallies()[code][3] == "audit_failed"
    catalogue.add_audits({code: []})  # repaired, audited again: the latest counts
    assert tallies()[code][3] is None
    assert [e.kind for e in catalogue.events(code)] == ["audit", "audit"]

    ingest = Ingest(catalogue)
    ingest.save_submission(SubmissionRow(code=declared, agency="000.00.06.H56",
                                         procedure="2.000488", owner_id=None, components=[],
                                         client="motcua", status="registered",
                                         reused_components=["GIAY_TO_TUY_THAN"]))
    assert tallies()[declared][3:6] == ("not_received", False, True)
    ingest.save_submission(SubmissionRow(code=code, agency="000.01.06.H56", procedure="2.000488",
                                         owner_id=None, components=[], client="motcua",
                                         status="digitised", returns_result=True))
    ingest.end(code, "resolved", datetime(2023, 11, 2, 20, 0, tzinfo=timezone.utc))
    assert tallies()[code][2:] == (date(2023, 11, 3), None, True, False, True, False)  # UTC+7
    catalogue.add_event(code, "correct", "Lê Thị Mai", {},
                        whole.model_copy(update={"owner_id": None}))
    assert tallies()[code][3] == "no_data"

    before = tallies()
    with catalogue.writing() as session:
        assert tally.rebuild(session) == 2
    assert tallies() == before


def test_a_dossier_archived_again_keeps_its_numbers_and_a_new_document_takes_the_next(
        catalogue):
    """Found by the pages' tests: a dossier re-read after later ones of the same owner took
    ``count + 1``, a number another dossier already had."""
    from types import SimpleNamespace

    from storage.archive import digitisation_codes

    owner, prefix = "038090012345", "038090012345.2.000488.GIAY_TO_TUY_THAN."
    for n in (1, 2, 3):  # _dossier numbers 0001 as .01 and the others as .02: give each its own
        row = _dossier(f"000.00.06.H56-231027-000{n}", owner)
        row.documents[0].digitisation_code = f"{prefix}{n:02d}"
        catalogue.replace(row)
    card = SimpleNamespace(order=1, component="GIAY_TO_TUY_THAN")
    second = SimpleNamespace(order=2, component="GIAY_TO_TUY_THAN")
    again = digitisation_codes(catalogue, "000.00.06.H56-231027-0002", "2.000488", owner,
                               [card, second])
    assert again == {1: f"{prefix}02", 2: f"{prefix}04"}
    new = digitisation_codes(catalogue, "000.00.06.H56-231027-0009", "2.000488", owner, [card])
    assert new == {1: f"{prefix}04"}


def test_a_run_takes_its_uploads_unless_newer_ones_wait_and_its_attempts_are_bounded(catalogue):
    """What ``digitise_submission`` decides from the uploads table, on both databases."""
    from storage.ingest import Ingest, UploadRow

    ingest, code = Ingest(catalogue), "000.00.06.H56-231027-0042"

    def upload(n: int) -> int:
        row, _ = ingest.add_upload(UploadRow(dossier_code=code, kind="component",
                                             sha256=f"{n:064d}", filename=f"{n}.jpg", size=1,
                                             path=f"/spool/{n:064d}.jpg"))
        return row.id

    first = upload(1)
    assert ingest.unprocessed(code) == []  # not in S3 yet: no run may take it
    ingest.stored(first, "k/1.jpg")
    assert [u.reference().key for u in ingest.unprocessed(code)] == ["k/1.jpg"]
    second = upload(2)
    assert ingest.take(code, [first], limit=2) == "superseded"  # the newer one's run takes all
    assert ingest.take(code, [first, second], limit=2) == "taken"
    assert ingest.take(code, [first, second], limit=2) == "taken"
    assert ingest.take(code, [first, second], limit=2) == "exhausted"
    ingest.mark_processed([first, second], "worker-a@host")
    assert ingest.take(code, [first, second], limit=2) == "done"
    assert {u.processed_by for u in ingest.uploads(code)} == {"worker-a@host"}
    assert ingest.waiting() == []


def test_grouped_writes_share_commits_and_a_refused_one_fails_alone(catalogue):
    """The API's writes while grouped: 24 threads at once, 4 of them the same file again. Each
    caller gets its own outcome, and only once another connection can read it; on SQLite far
    fewer commits (syncs) than writes."""
    import threading

    from sqlalchemy import event

    from storage.catalogue import Catalogue
    from storage.ingest import Ingest, UploadRow

    code, commits, lock = "000.00.06.H56-231027-0042", [], threading.Lock()
    event.listen(catalogue.engine, "commit", lambda _c: commits.append(1))
    ingest, other = Ingest(catalogue), Ingest(Catalogue(catalogue.engine.url.render_as_string(
        hide_password=False)))
    start, outcomes = threading.Barrier(24), []

    def add(n: int) -> None:
        start.wait()
        row, new = ingest.add_upload(UploadRow(dossier_code=code, kind="component",
                                               sha256=f"{n % 20:064d}", filename=f"{n}.jpg",
                                               size=1, path=f"/spool/{n}.jpg"))
        seen = other.upload(row.id)  # committed before the caller was answered
        with lock:
            outcomes.append((n % 20, row.id, new, seen is not None and seen.sha256 == row.sha256))

    with catalogue.grouped():
        threads = [threading.Thread(target=add, args=(n,)) for n in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    other.catalogue.dispose()
    assert len(outcomes) == 24 and all(seen for *_, seen in outcomes)
    assert sum(new for _, _, new, _ in outcomes) == 20  # the 4 again were refused, alone
    ids = {}
    for file, upload_id, _, _ in outcomes:
        assert ids.setdefault(file, upload_id) == upload_id  # the same file is one upload
    assert len(ingest.uploads(code)) == 20
    if catalogue.engine.dialect.name == "sqlite":
        assert len(commits) <= 12, len(commits)
