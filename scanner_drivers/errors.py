"""The conditions of scanners and of submitting their batches (see ``pipeline.errors``)."""

from __future__ import annotations

from pipeline.errors import SohoaError


class ScannerError(SohoaError):
    """A scanner that cannot be used as asked, or a batch that cannot be submitted."""


class UnknownDevice(ScannerError):
    code = "unknown_device"
    vi = "Không hiểu địa chỉ máy quét {uri} (sane:… hoặc escl:…)."
    en = "unknown device URI {uri} (expected sane:… or escl:…)"


class ProcedureNeeded(ScannerError):
    code = "procedure_needed"
    vi = "Cần --procedure khi không gửi qua API (SOHOA_API_URL)."
    en = "--procedure is needed without SOHOA_API_URL"


class NoSeparator(ScannerError):
    code = "no_separator"
    vi = "trang đầu lô quét không phải tờ phân cách (mã hồ sơ): không biết thuộc hồ sơ nào."
    en = ("the batch does not start with a separator sheet (dossier code): its pages belong to "
          "no known dossier")


class EsclError(ScannerError):
    code = "escl_error"
    vi = "Máy quét báo lỗi khi {what}."
    en = "{what} failed: {detail}"


class NoFeeder(ScannerError):
    code = "no_feeder"
    vi = "Máy quét {model} không có khay nạp giấy."
    en = "scanner {model} has no feeder"


class NoDuplex(ScannerError):
    code = "no_duplex"
    vi = "Máy quét {model} không quét hai mặt."
    en = "scanner {model} has no duplex"


class ResolutionUnsupported(ScannerError):
    code = "resolution_unsupported"
    vi = "Máy quét không hỗ trợ {resolution} dpi (có: {resolutions})."
    en = "{resolution} dpi unsupported ({resolutions})"


class SaneMissing(ScannerError):
    code = "sane_missing"
    vi = "Chưa cài scanimage (gói sane-utils)."
    en = "scanimage is not installed (Debian sane-utils)"


class DeviceUnavailable(ScannerError):
    code = "device_unavailable"
    vi = "Không mở được máy quét."
    en = "cannot open the scanner: {detail}"


class NothingScanned(ScannerError):
    code = "nothing_scanned"
    vi = "Máy quét không trả về trang nào: kiểm tra khay giấy."
    en = "no page scanned: {detail}"


class BatchWithoutPages(ScannerError):
    code = "batch_without_pages"
    vi = "Lô quét chỉ có tờ phân cách, không có trang hồ sơ."
    en = "the batch holds separator sheets and no dossier page"


class ApiUnreachable(ScannerError):
    code = "api_unreachable"
    vi = "Không gửi được tới {url}."
    en = "cannot reach {url}: {problem}"


class ApiRefused(ScannerError):
    """The ingest API's own refusal, relayed with its code and messages."""

    code = "{code}"
    vi = "{message_vi}"
    en = "{message_en}"
