"""Object lock on the real S3 server: retention refuses deletion, replacements are new versions,
legal hold refuses deletion until it is lifted."""

import pytest
from minio.error import S3Error



@pytest.fixture(scope="module")
def locked(archive):
    """A second bucket of the same server, whose documents are kept one year."""
    from pipeline.settings import load_settings
    from storage.session import open_archive

    settings = load_settings().model_copy(update={"bucket": "sohoa-retention-test",
                                                  "retention_years": {"document": 1}})
    with open_archive(settings) as opened:
        yield opened.store


def _versions(store, key):
    return [o.version_id for o in store.client.list_objects(store.bucket, prefix=key,
                                                            include_version=True)]


def test_retention_refuses_deletion_and_replacement_keeps_versions(locked):
    key = "000.00.06.H56/2023/10/X/X.01.pdf"
    first = locked.put(key, b"%PDF-1 first", "application/pdf")
    second = locked.put(key, b"%PDF-1 second", "application/pdf")
    assert first.version_id != second.version_id and len(_versions(locked, key)) == 2
    retention = locked.client.get_object_retention(locked.bucket, key, version_id=first.version_id)
    assert retention.mode == "GOVERNANCE"
    with pytest.raises(S3Error):
        locked.client.remove_object(locked.bucket, key, version_id=first.version_id)
    assert locked.get(key) == b"%PDF-1 second" and len(_versions(locked, key)) == 2


def test_legal_hold_refuses_deletion_until_lifted(locked):
    key = "000.00.06.H56/2023/10/X/X.01.ocr.json"  # class "ocr": no retention here
    stored = locked.put(key, b"{}", "application/json")
    locked.set_legal_hold(key, True)
    with pytest.raises(S3Error):
        locked.client.remove_object(locked.bucket, key, version_id=stored.version_id)
    locked.set_legal_hold(key, False)
    locked.client.remove_object(locked.bucket, key, version_id=stored.version_id)
    assert _versions(locked, key) == []


def test_hold_command_puts_every_object_of_a_dossier_on_hold_and_lifts_it(archive, prefect_harness,
                                                                          scans):
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    runner = CliRunner()
    dossier = "000.00.06.H56-231027-0500"
    out = json.loads(runner.invoke(app, ["digitise", str(scans["card"]), "--dossier", dossier,
                                         "--procedure", "2.000488", "--json"]).stdout)
    key = out["documents"][0]["object"].split("/", 3)[3]
    held = runner.invoke(app, ["hold", dossier, "--on", "--by", "Thanh tra tỉnh", "--json"])
    assert held.exit_code == 0 and len(json.loads(held.stdout)["objects"]) == 4  # + manifest
    assert archive.store.client.is_object_legal_hold_enabled(archive.store.bucket, key)
    with pytest.raises(S3Error):
        archive.store.client.remove_object(archive.store.bucket, key,
                                           version_id=_versions(archive.store, key)[0])
    lifted = runner.invoke(app, ["hold", dossier, "--off", "--by", "Thanh tra tỉnh"])
    assert lifted.exit_code == 0
    assert not archive.store.client.is_object_legal_hold_enabled(archive.store.bucket, key)
    assert [e.kind for e in archive.catalogue.events(dossier)] == ["hold", "release"]


def test_server_side_encryption_is_asked_for_every_object(archive):
    import urllib.request
    from datetime import timedelta

    from pipeline.settings import load_settings
    from storage.session import open_archive

    settings = load_settings().model_copy(update={"bucket": "sohoa-encrypted-test",
                                                  "s3_encryption": "SSE-S3"})
    with open_archive(settings) as opened:
        store = opened.store
        key = "000.00.06.H56/2023/10/X/X.01.pdf"
        store.put(key, b"%PDF-1 encrypted", "application/pdf")
        stat = store.client.stat_object(store.bucket, key)
        assert stat.metadata.get("x-amz-server-side-encryption") == "AES256"
        assert store.get(key) == b"%PDF-1 encrypted"
        with urllib.request.urlopen(store.presigned_url(key, timedelta(minutes=1))) as response:
            assert response.read() == b"%PDF-1 encrypted"
    plain = archive.store
    plain.put(key, b"%PDF-1 plain", "application/pdf")
    assert "x-amz-server-side-encryption" not in plain.client.stat_object(plain.bucket, key).metadata


def test_kms_encryption_needs_its_key_and_tls():
    from storage.errors import StorageError
    from storage.objects import ObjectStore, server_side_encryption
    from storage.seaweedfs import S3Endpoint

    with pytest.raises(StorageError) as missing:
        server_side_encryption("SSE-KMS")
    assert missing.value.code == "kms_key_missing"
    with pytest.raises(StorageError) as plain:
        ObjectStore(S3Endpoint("127.0.0.1:9", "a", "b", False), "bucket",
                    sse=server_side_encryption("SSE-KMS", "sohoa-key"))
    assert plain.value.code == "encryption_needs_tls"
