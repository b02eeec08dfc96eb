from datetime import date

import pytest

from pipeline.errors import InvalidIdentifier
from pipeline.identifiers import (cccd_matches_birth, parse_cccd, parse_dossier_code,
                                  parse_procedure_code)
from pipeline.text import fold, fold_aligned


def test_dossier_code_parts():
    code = parse_dossier_code("000.00.06.H56-231027-0361")
    assert code.agency == "000.00.06.H56"
    assert code.received == date(2023, 10, 27)
    assert code.sequence == 361
    assert str(code) == "000.00.06.H56-231027-0361"


@pytest.mark.parametrize("bad", [
    "", "000.00.06.H56-231027-361", "000.00.06.H56-231327-0361",  # short sequence, month 13
    "000.00.06.h56-231027-0361", "000.00.06-231027-0361",  # lower case, no level-1 group
    "000.00.06.H56-231027-0361; rm -rf /", "A" * 36 + "-231027-0361",
])
def test_malformed_dossier_codes_are_refused(bad):
    with pytest.raises(InvalidIdentifier) as info:
        parse_dossier_code(bad)
    assert info.value.code == "invalid_dossier_code"
    assert "Mã hồ sơ không hợp lệ" in info.value.message("vi")


def test_procedure_code():
    assert parse_procedure_code("1.001193") == "1.001193"
    for bad in ("1001193", "1.00119", "x.001193"):
        with pytest.raises(InvalidIdentifier):
            parse_procedure_code(bad)


def test_cccd_structure_against_birth():
    info = parse_cccd("038090012345")
    assert (info.province, info.sex, info.birth_year) == ("038", "male", 1990)
    assert parse_cccd("001305000001").sex == "female" and parse_cccd("001305000001").birth_year == 2005
    assert cccd_matches_birth("038090012345", date(1990, 3, 15))
    assert not cccd_matches_birth("038090012345", date(1991, 3, 15))
    assert not cccd_matches_birth("038290012345", date(1990, 3, 15))  # digit 2: born 2000s
    assert parse_cccd("03809001234") is None


def test_fold_matches_without_diacritics():
    assert fold("Nguyễn  Văn Đạt") == "nguyen van dat"
    nfd = "Nguye\u0302\u0303n"  # NFD input
    assert fold(nfd) == "nguyen"
    assert fold("Uỷ ban hoà giải") == fold("Ủy ban hòa giải")
    assert len(fold_aligned("Họ và tên: Đặng")) == len("Họ và tên: Đặng")
