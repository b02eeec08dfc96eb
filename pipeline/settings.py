"""Runtime settings, read from ``SOHOA_*`` environment variables (pydantic-settings).

Loaded once by the entry point (the CLI's callback, ``sohoa serve``, a worker) and passed to
what needs them; flows load them only when called without (a deployment's run).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class SignerConfig(BaseModel):
    """Where one role's key lives; the first configured backend is used (see signing.backends)."""

    pkcs11_module: Path | None = None
    pkcs11_token: str | None = None
    pkcs11_key: str | None = None
    pkcs11_cert: str | None = None
    pin: SecretStr | None = None
    remote: str | None = None
    pkcs12: Path | None = None
    pkcs12_passphrase: SecretStr | None = None
    pss: bool = False
    pool: str | None = None
    """The signing pool of the host that holds this key (``sohoa deploy --signing-pool``):
    this machine asks that pool's worker for each signature."""


FLAT_SIGNER_PREFIX = "signer_"  # the scan signer's flat aliases: signer_pkcs12 = signer.pkcs12


class _FlatSignerEnv(PydanticBaseSettingsSource):
    """``SOHOA_SIGNER_<NAME>`` variables, the scan signer's documented flat aliases (read last:
    ``SOHOA_SIGNER__<NAME>`` wins)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {f"{FLAT_SIGNER_PREFIX}{name}": os.environ[variable]
                for name in SignerConfig.model_fields
                if (variable := f"SOHOA_SIGNER_{name.upper()}") in os.environ}


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and a province's production site."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", env_file=None, extra="ignore",
                                      env_nested_delimiter="__")

    home: Path = Path("var")
    """Data directory: local S3 data, catalogue, development key, Prefect state."""

    # Object storage. With no endpoint, a local SeaweedFS server is started on loopback.
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_secure: bool = False
    s3_region: str | None = None
    bucket: str = "sohoa-archive"
    s3_encryption: Literal["none", "SSE-S3", "SSE-KMS"] = "none"
    """Server-side encryption of every object written: ``SSE-S3`` (keys kept by the server) or
    ``SSE-KMS`` (the server's KMS, key ``s3_kms_key``; the SDK requires TLS for it)."""
    s3_kms_key: str | None = None
    local_s3_port: int = 18333
    """First of the loopback ports the local SeaweedFS uses (S3; master, volume, filer, admin follow)."""
    local_idle_seconds: float = 900.0
    """A home's local servers (SeaweedFS, Prefect's API) stop once no process has used them for
    this long; ``sohoa stop`` stops them at once."""

    retention_years: dict[str, int] = {}
    """Years each object class is locked against deletion and overwrite, e.g.
    ``{"original": 20, "document": 20, "ocr": 20, "manifest": 20}`` (JSON); unset: none."""
    retention_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """S3 object lock mode: COMPLIANCE cannot be lifted by anyone before the date."""

    database_url: str | None = None
    """SQLAlchemy URL of the catalogue; default SQLite under ``home``."""

    # Signing. The first configured backend of a role is used: a PKCS#11 token, a remote
    # signing service, a PKCS#12 file; else the development key.
    signer: SignerConfig = SignerConfig()
    """The scanning official's key (role "scan"), as ``SOHOA_SIGNER__PKCS12``,
    ``SOHOA_SIGNER__PKCS11_MODULE``…; the flat ``SOHOA_SIGNER_PKCS12`` … (and ``signer_pkcs12=``
    given to ``Settings``) are accepted as aliases. Unset: a development key."""
    agency: SignerConfig = SignerConfig()
    """The agency's key (role "agency": archival copies and results), as
    ``SOHOA_AGENCY__PKCS12``, ``SOHOA_AGENCY__PKCS11_MODULE``… Unset: a development key."""
    agency_name: str = "Cơ quan số hóa (chưa cấu hình SOHOA_AGENCY_NAME)"
    agency_seal: Path | None = None
    """The agency's red seal as a PNG (real size), shown under its signature."""
    archive_level: str | None = None
    """PAdES level of the agency's archival signature; unset: B-LTA with a TSA, else B-B."""
    tsa_url: str | None = None
    """RFC 3161 timestamping authority; with it, signatures are PAdES B-T at least."""
    signature_level: str | None = None
    """``B-B``, ``B-T``, ``B-LT`` or ``B-LTA``; unset: B-T with a TSA, else B-B."""

    trust_roots: list[Path] = []
    """PEM/DER certificates that ``sohoa verify`` trusts (JSON list in the environment)."""

    procedures_dir: Path | None = None
    """Extra procedure YAML files; they override bundled ones with the same code."""

    ocr_language: str = "vie"
    ocr_engine: Literal["tesseract", "recorded"] = "tesseract"
    """``recorded``: pages already read come from ``ocr_recordings``, others are read by tesseract
    and recorded (``pipeline.ocr.engine``); for the tests and benchmarks of what follows
    reading, never for production."""
    ocr_recordings: Path | None = None
    max_page_pixels: int = 120_000_000
    """A page image larger than this is refused before it is decoded (A3 at 600 dpi is ~70 MP)."""
    max_pages_per_file: int = 500
    page_seconds: float = 120.0
    """Longest a page may take to read (render, OCR); past it the page is refused
    (``page_timeout``) and the dossier goes on. A clean A4 page takes about 2 s."""
    file_seconds: float = 1800.0
    """Longest a file's pages may take to read, summed; past it the rest of its pages are
    refused (``file_timeout``)."""
    default_dpi: int = 300
    """Resolution assumed for an image that does not state one, and for vector PDF pages."""
    min_scan_dpi: int = 200
    """Pages scanned below this go to review (Decree 30/2020: at least 200 dpi)."""

    # Counter scanners (sohoa scan, sohoa watch): where scanned dossiers are submitted
    counter_scanners: dict[int, str] = {}
    """The scanner of each counter (number → ``sane:<device>`` or ``escl:<URL>``, JSON): the
    desk's "scan at the counter" drives it to attach rescanned pages."""
    api_url: str | None = None
    """The ingest API's base URL; unset: scans are digitised in the scanning process."""
    api_token: SecretStr | None = None
    counters_dir: Path | None = None
    """Root of the counters' hot folders (``quay-NN``) and scanned batches; default ``home``."""

    # Ingest API (sohoa serve)
    max_upload_bytes: int = 100 * 1024 * 1024
    """Largest file the API accepts (413 above it)."""
    max_files_per_request: int = 50
    settle_seconds: float = 2.0
    """A dossier is processed once no file has arrived for it for this long."""
    webhook_attempts: int = 10
    """Deliveries of one webhook before it is given up (each logged)."""
    webhook_backoff_seconds: float = 10.0
    """Wait before the first retry; doubled after each failure, at most an hour."""
    webhook_timeout_seconds: float = 10.0
    ocr_requires_token: bool = False
    """Whether ``POST /ocr`` (the drop-in OCR service) needs a client's bearer token."""
    public_url: str | None = None
    """Where the public look-up is served (``https://…``): the QR code on issued papers links
    to ``<public_url>/tra-cuu/<token>``; unset, it carries the look-up token alone."""
    indicator_weights: dict[str, float] = {"dossier_rate": 10.0, "result_rate": 8.0,
                                            "reuse_rate": 4.0}
    """Points of each indicator in the dossier-digitisation group (22 in all, Decision 766);
    the split here is a placeholder: set the one the province is scored by (JSON)."""
    indicator_full_marks: float = 80.0
    """The rate (percent) at and above which an indicator earns its full points."""
    ocr_text_codes: dict[str, str] = {}
    """A one-stop system's own ``textCode``s mapped to sohoa's templates, e.g.
    ``{"KQ_HOTICH": "KQ", "TK_LLTP_01": "TK_LLTP"}`` (JSON); a code in neither is answered from
    the document's detected type."""
    web_secret: str | None = None
    """The key that signs the pages' session cookies; unset, one is made once in the home
    (``web-secret``, readable by its owner only) and shared by its processes."""
    web_session_minutes: int = 480
    """A login lasts this long (a working day), then the person logs in again."""
    web_lockout_failures: int = 5
    """Wrong passwords in a row that lock an account for ``web_lockout_minutes``."""
    web_lockout_minutes: int = 15

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings, env_settings, dotenv_settings, file_secret_settings,
                _FlatSignerEnv(settings_cls))

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_signer(cls, data: Any) -> Any:
        """``signer_pkcs12=…`` and ``SOHOA_SIGNER_PKCS12`` become ``signer.pkcs12``."""
        if not isinstance(data, dict):
            return data
        flat = {k.removeprefix(FLAT_SIGNER_PREFIX): v for k, v in data.items()
                if k.startswith(FLAT_SIGNER_PREFIX)}
        if not flat:
            return data
        nested = data.get("signer") or {}
        nested = nested.model_dump(exclude_unset=True) if isinstance(nested, BaseModel) else nested
        return {**{k: v for k, v in data.items() if not k.startswith(FLAT_SIGNER_PREFIX)},
                "signer": {**flat, **nested}}

    @model_validator(mode="after")
    def _recordings_named(self) -> Settings:
        if self.ocr_engine == "recorded" and self.ocr_recordings is None:
            raise ValueError("SOHOA_OCR_ENGINE=recorded needs SOHOA_OCR_RECORDINGS (a folder)")
        return self

    @cached_property
    def home_dir(self) -> Path:
        path = self.home.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def catalogue_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'catalogue.sqlite'}"


def load_settings() -> Settings:
    return Settings()
