"""A signature report as people read it, in Vietnamese (or English): ``sohoa verify`` prints
it, and the archive's pages show it (issue 16)."""

from __future__ import annotations

VERIFY_LANGS = ("vi", "en")
VERIFY_TEXT = {  # key: (Vietnamese, English)
    "valid": ("HỢP LỆ", "VALID"), "invalid": ("KHÔNG HỢP LỆ", "NOT VALID"),
    "signature": ("Chữ ký", "Signature"), "stamp": ("Dấu thời gian tài liệu", "Document timestamp"),
    "signer": ("Người ký", "Signer"), "at": ("Thời gian ký", "Signing time"),
    "tsa": ("Dấu thời gian (TSA)", "Timestamp (TSA)"), "unknown": ("không rõ", "unknown"),
    "intact": ("Toàn vẹn", "Intact"), "yes": ("có", "yes"), "no": ("không", "no"),
    "tampered": ("KHÔNG — tài liệu đã bị sửa sau khi ký", "NO: the document was changed after signing"),
    "whole": ("Phủ toàn bộ tài liệu", "Covers the whole document"),
    "changes": ("thay đổi sau khi ký", "changes after signing"),
    "trusted": ("Chứng thư được tin cậy", "Certificate trusted"),
    "untrusted": ("không (không thuộc gốc tin cậy đã cấu hình)",
                  "no (not under the configured trust roots)"),
    "revocation": ("Tình trạng thu hồi", "Revocation"), "revoked": ("ĐÃ BỊ THU HỒI", "REVOKED"),
    "not_revoked": ("chưa bị thu hồi", "not revoked"),
    "unchecked": ("chưa kiểm tra (dùng --online)", "not checked (use --online)"),
    "none": ("Không có chữ ký số nào trong tệp.", "The file has no digital signature."),
    "verdict": ("Kết luận", "Verdict"), "ok": ("hợp lệ", "valid"), "bad": ("KHÔNG hợp lệ", "NOT valid"),
}


def describe(report: dict, lang: str = "vi") -> str:
    """The report of ``verify_pdf(...).to_json()`` as people read it, in ``lang``."""
    t = {key: texts[VERIFY_LANGS.index(lang)] for key, texts in VERIFY_TEXT.items()}
    lines = []
    for sig in report["signatures"]:
        title = t["stamp"] if sig.get("kind") == "document_timestamp" else t["signature"]
        revocation = {True: t["revoked"], False: t["not_revoked"], None: t["unchecked"]}
        lines += [
            f"{title} {sig['field']}: {t['valid'] if sig['valid'] else t['invalid']}",
            f"  {t['signer']}: {sig['signer']}",
            f"  {t['at']}: {sig['signed_at'] or t['unknown']}",
            f"  {t['tsa']}: {sig.get('timestamp') or t['no']}",
            f"  {t['intact']}: {t['yes'] if sig['intact'] else t['tampered']}",
            f"  {t['whole']}: {t['yes'] if sig['covers_whole_document'] else t['no']}"
            f" ({t['changes']}: {sig['changes_after']})",
            f"  {t['trusted']}: {t['yes'] if sig['trusted'] else t['untrusted']}",
            f"  {t['revocation']}: {revocation[sig.get('revoked')]}",
        ]
    if not report["signatures"]:
        lines.append(t["none"] + (f" ({report['error']})" if report.get("error") else ""))
    lines.append(f"{t['verdict']}: {t['ok'] if report['valid'] else t['bad']}")
    return "\n".join(lines)
