"""Every condition sohoa refuses or fails on: one class each, with its stable code, its exit
status, its HTTP status and its message pair (Vietnamese for staff, English for logs).

This module holds the table's core and the conditions of the stages; storage's are in
``storage/errors.py``, the scanner drivers' in ``scanner_drivers/errors.py``, the ingest API's
in ``pipeline/api/problems.py``, each beside its layer. :func:`conditions` lists them all for
the README and ``tests/test_errors.py``, which keeps codes unique and messages complete.

A message is a template filled from the details the raising code gives
(``UnknownDossier(dossier=code)``); ``subject`` (a file, a code, a device) is what the message
is about and goes before it. A code in braces is a template too: the local servers' codes name
the server (``s3_start_failed``).
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any, ClassVar

EXIT_FAILURE = 1  # storage, signing, a server, a device, or a fault of sohoa's own
EXIT_INVALID = 2  # a malformed or unknown code, a refused review action, bad arguments
EXIT_REFUSED_INPUT = 3  # a file that cannot be read as a scan


class SohoaError(Exception):
    """A refusal or failure with a stable machine code and a message staff can act on."""

    code: ClassVar[str] = "internal_error"
    exit_status: ClassVar[int] = EXIT_FAILURE
    http_status: ClassVar[int] = 422
    vi: ClassVar[str] = ""
    en: ClassVar[str] = ""
    published: ClassVar[tuple[str, ...]] = ()  # details an API problem body carries
    setting: ClassVar[str | None] = None  # the setting whose limit the condition is

    def __init__(self, subject: str | None = None, **details: Any):
        self.subject, self.details = subject, details
        self.code = type(self).code.format(**details)
        self.message_vi, self.message_en = self.vi.format(**details), self.en.format(**details)
        prefix = f"{subject}: " if subject else ""
        super().__init__(f"{prefix}{self.message_en} [{self.code}]")

    def message(self, lang: str = "vi") -> str:
        prefix = f"{self.subject}: " if self.subject else ""
        return prefix + (self.message_vi if lang == "vi" else self.message_en)

    @property
    def extra(self) -> dict[str, Any]:
        return {name: self.details[name] for name in self.published if name in self.details}


def conditions(kind: type[SohoaError] = SohoaError) -> list[type[SohoaError]]:
    """Every condition class under ``kind`` (the table, for the README and the tests)."""
    found = []
    for sub in kind.__subclasses__():
        found += ([sub] if sub.vi else []) + conditions(sub)
    return found


# -- refusals of what was asked (exit 2) ------------------------------------------------------

class Refusal(SohoaError):
    exit_status = EXIT_INVALID


class InvalidIdentifier(Refusal):
    """A dossier, agency, procedure or personal code that does not have the legal form."""


class InvalidAgencyCode(InvalidIdentifier):
    code = "invalid_agency_code"
    vi = ("Mã định danh cơ quan không hợp lệ (tối đa 35 ký tự 0-9, A-Z, dấu chấm; có nhóm cấp 1 "
          "dạng chữ cái A–Y và hai chữ số, ví dụ H56).")
    en = ("agency code must be up to 35 characters of [0-9A-Z.] with a level-1 group such as H56 "
          "(a letter A-Y and two digits)")


class InvalidDossierCode(InvalidIdentifier):
    code = "invalid_dossier_code"
    vi = ("Mã hồ sơ không hợp lệ: phải có dạng <mã cơ quan>-<YYMMDD>-<NNNN>, ví dụ "
          "000.00.06.H56-231027-0361.")
    en = "dossier code must look like <agency code>-<YYMMDD>-<NNNN>, e.g. 000.00.06.H56-231027-0361"


class InvalidProcedureCode(InvalidIdentifier):
    code = "invalid_procedure_code"
    vi = "Mã thủ tục không hợp lệ: phải có dạng một chữ số, dấu chấm, sáu chữ số (ví dụ 1.001193)."
    en = "procedure code must be a digit, a dot and six digits (e.g. 1.001193)"


class InvalidOwnerId(InvalidIdentifier):
    code = "invalid_owner_id"
    vi = "Số định danh chủ hồ sơ không hợp lệ: CCCD 12 số, CMND 9 số hoặc mã số thuế 10/13 số."
    en = "owner ID must be a 12-digit CCCD, 9-digit CMND or 10/13-digit tax code"


class UnknownProcedure(Refusal):
    code = "unknown_procedure"
    vi = "Thủ tục {procedure} chưa có trong bộ thủ tục (xem `sohoa procedures`)."
    en = "procedure {procedure} is not among the procedure definitions (see `sohoa procedures`)"


class InvalidProcedureFile(Refusal):
    code = "invalid_procedure_file"
    vi = "Tệp thủ tục {name} không hợp lệ: {problem}"
    en = "procedure file {name} is invalid: {problem}"


class UnknownComponent(Refusal):
    code = "unknown_component"
    vi = "Thủ tục {procedure} không có thành phần {components}."
    en = "procedure {procedure} has no component {components}"


class UndefinedComponent(Refusal):
    code = "undefined_component"
    vi = "Thành phần {component} không có trong bộ thủ tục nào (xem `sohoa procedures`)."
    en = "no procedure definition has a component {component} (see `sohoa procedures`)"


class InvalidReportGrouping(Refusal):
    code = "invalid_report_grouping"
    vi = "Không lập báo cáo theo \"{by}\": chọn một trong {allowed}."
    en = "a report is by one of {allowed}, not {by!r}"


class UnknownReportColumn(Refusal):
    code = "unknown_report_column"
    vi = "Báo cáo không có cột \"{column}\": chọn một trong {allowed}."
    en = "the report has no column {column!r}; one of {allowed}"


class InvalidDay(Refusal):
    code = "invalid_day"
    vi = "{option}: ngày phải có dạng YYYY-MM-DD ({text})."
    en = "{option}: a day is written YYYY-MM-DD ({text})"


class PrefectServerNeeded(Refusal):
    code = "prefect_server_needed"
    vi = "Cần máy chủ Prefect: đặt PREFECT_API_URL (ví dụ http://10.0.0.5:4200/api)."
    en = "a Prefect server is needed: set PREFECT_API_URL (e.g. http://10.0.0.5:4200/api)"


class UnknownDossier(Refusal):
    code = "unknown_dossier"
    http_status = 404
    vi = "Không có hồ sơ {dossier} trong kho lưu trữ."
    en = "no dossier {dossier} in the archive"


class UnknownDocument(Refusal):
    code = "unknown_document"
    vi = "Hồ sơ {dossier} không có tài liệu số {order}."
    en = "dossier {dossier} has no document {order}"


class UnknownField(Refusal):
    code = "unknown_field"
    vi = "Tài liệu {order} không có trường {field}."
    en = "document {order} has no field {field}"


class InvalidValue(Refusal):
    code = "invalid_value"
    vi = "{label}: \"{value}\" không hợp lệ, không sửa."
    en = "{field}: {value!r} fails its validator ({validator})"


class NoReusableCopy(Refusal):
    code = "no_reusable_copy"
    vi = "Không có bản số hóa còn hiệu lực để dùng lại cho thành phần {component}."
    en = "no valid digitised copy to reuse for {component}"


class MissingComponents(Refusal):
    code = "missing_components"
    vi = "Còn thiếu thành phần bắt buộc: {components}. Đính kèm bản quét trước khi duyệt."
    en = "required components are missing: {components}"


class NothingToApprove(Refusal):
    code = "nothing_to_approve"
    vi = "Hồ sơ không có tài liệu nào để duyệt."
    en = "the dossier has no document"


# -- files that cannot be read as scans (exit 3), named in a dossier's problems ---------------

class InputFileError(SohoaError):
    """A received file, or one of its pages, that cannot be read as a scan: refused by name,
    its original kept."""

    exit_status = EXIT_REFUSED_INPUT
    published = ("file", "limit", "value")  # the API names the file and the limit it passed


class EmptyFile(InputFileError):
    code = "empty_file"
    vi = "Tệp rỗng (0 byte): hãy quét lại."
    en = "the file is empty (0 bytes)"


class UnsupportedType(InputFileError):
    code = "unsupported_type"
    vi = "Không phải tệp PDF, TIFF, JPEG hay PNG: định dạng không được hỗ trợ."
    en = "not a PDF, TIFF, JPEG or PNG file"


class CorruptPdf(InputFileError):
    code = "corrupt_pdf"
    vi = "Tệp PDF bị hỏng, không đọc được: hãy quét lại."
    en = "the PDF is corrupt ({problem})"


class EncryptedPdf(InputFileError):
    code = "encrypted_pdf"
    vi = "PDF được bảo vệ bằng mật khẩu: hãy gửi bản không mã hóa."
    en = "the PDF is encrypted with a password"


class NoPages(InputFileError):
    code = "no_pages"
    vi = "Tệp PDF không có trang nào."
    en = "the PDF has no pages"


class TooManyPages(InputFileError):
    code, setting = "too_many_pages", "max_pages_per_file"
    vi = "Tệp có {count} trang, vượt giới hạn {limit} trang."
    en = "{count} pages, over the limit of {limit}"


class CorruptImage(InputFileError):
    code = "corrupt_image"
    vi = "Tệp ảnh bị hỏng, không đọc được: hãy quét lại."
    en = "the image is corrupt ({problem})"


class ImageTooLarge(InputFileError):
    code, setting = "image_too_large", "max_page_pixels"
    vi = ("Trang {page} quá lớn ({width}×{height} điểm ảnh, giới hạn {limit:,}): hãy quét lại ở "
          "độ phân giải 200–300 dpi.")
    en = "page {page} is {width}x{height} pixels, over the limit of {limit:,}"


class PageSizeUnusable(InputFileError):
    code = "page_size_unusable"
    vi = ("Trang {page} có kích thước bất thường ({width}×{height} điểm ảnh), không phải trang "
          "giấy quét: hãy quét lại.")
    en = "page {page} is {width}x{height} pixels, no scanned sheet has that shape"


class PageTimeout(InputFileError):
    code = "page_timeout"
    vi = "Trang này đọc quá lâu, đã dừng: hãy quét lại."
    en = "reading this page took longer than the page time limit"


class FileTimeout(InputFileError):
    code = "file_timeout"
    vi = "Các trang của tệp này đọc quá lâu, đã dừng: hãy quét lại tệp."
    en = "reading this file's pages took longer than the file time limit"


class UnreadablePage(InputFileError):
    code = "unreadable_page"
    vi = "Trang {page} không đọc được ({kind}): hãy quét lại; bản gốc vẫn được lưu."
    en = "page {page} broke the reader ({kind}); its original is stored"


# -- failures of the system (exit 1) ----------------------------------------------------------

class SigningError(SohoaError):
    """The signing key, its token or its services cannot be used."""


class SignerUnavailable(SigningError):
    code = "signer_unavailable"
    vi = "{reason_vi}"
    en = "{reason_en}"


class WeakSigningKey(SigningError):
    code = "weak_signing_key"
    vi = "Khóa ký {algorithm} {bits} bit không đạt yêu cầu (RSA ≥ 2048, ECDSA ≥ 256)."
    en = "signing key {algorithm} {bits} bits is too weak (need RSA >= 2048 or ECDSA >= 256)"


class InvalidSignatureLevel(SigningError):
    code = "invalid_signature_level"
    vi = "Mức chữ ký {level} không hợp lệ."
    en = "signature level must be one of {levels}"


class TsaRequired(SigningError):
    code = "tsa_required"
    vi = "Mức {level} cần máy chủ cấp dấu thời gian (SOHOA_TSA_URL)."
    en = "level {level} needs a timestamping authority (SOHOA_TSA_URL)"


class SigningServiceUnavailable(SigningError):
    code = "signing_service_unavailable"
    vi = "Không lấy được dấu thời gian hoặc dữ liệu thu hồi chứng thư: thử lại sau."
    en = "timestamp or revocation service failed ({problem})"


class SigningPoolUnavailable(SigningError):
    code = "signing_pool_unavailable"
    vi = "Máy giữ khóa ký (nhóm {pool}) chưa ký được ({state}): thử lại sau."
    en = "the signing pool {pool} did not sign ({state})"


class EngineError(SohoaError):
    """The OCR engine is missing or failed."""


class TesseractMissing(EngineError):
    code = "tesseract_missing"
    vi = "Chưa cài {what} cho tesseract (tesseract-ocr, tesseract-ocr-vie, tesseract-ocr-osd): chạy `make demo`."
    en = "tesseract data missing: {what}; run `make demo`"


class OcrFailed(EngineError):
    code = "ocr_failed"
    vi = "Nhận dạng chữ thất bại trên trang này."
    en = "tesseract failed or timed out on this page"


# -- what any failure is to the person who ran the command ------------------------------------

class DiskFull(SohoaError):
    code, http_status = "disk_full", 507
    vi = "Đĩa dữ liệu đã đầy; giải phóng chỗ trống rồi chạy lại lệnh (những gì đã lưu không bị mất)."
    en = "the data disk is full; free some space and run the command again (nothing stored is lost)"


class InternalError(SohoaError):
    """A fault of sohoa's own or of a library: the user gets this message, the log the trace."""

    code, http_status = "internal_error", 500
    vi = "sohoa gặp sự cố ngoài dự kiến ({kind}: {problem})."
    en = "unexpected failure ({kind}: {problem})"


LOW_SPACE_BYTES = 32 * 1024 * 1024


def _disk_full(exc: Exception, home: Path | None) -> bool:
    """ENOSPC anywhere in the chain, or a failure (SQLite says "disk I/O error" on a full
    tmpfs) while the data directory's disk has almost no space left."""
    chain = [exc, exc.__cause__, exc.__context__]
    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain) \
            or "disk is full" in str(exc):
        return True
    try:
        return home is not None and shutil.disk_usage(home).free < LOW_SPACE_BYTES
    except OSError:
        return False


def known(exc: Exception, home: Path | None = None) -> SohoaError:
    """What a failure means to the person who ran the command: a ``SohoaError`` as it is, a full
    disk named as such (it can be fixed and the work resumed), anything else an internal error."""
    if _disk_full(exc, home):
        known_as: SohoaError = DiskFull()
    elif isinstance(exc, SohoaError):
        return exc
    else:
        known_as = InternalError(kind=type(exc).__name__, problem=exc)
    known_as.__cause__ = exc  # the log shows the original trace
    return known_as
