"""Generated dossiers for the extraction benchmark: the catalogue's procedures, filled in.

Each dossier is one owner (random Vietnamese names with diacritics, a CCCD consistent with
the birth date and sex, dates, addresses, phones) and one scan per component: an ID card copy
for ID papers, a Decree 30/2020 official document for components read by layout, otherwise
a form whose rows are the component's labelled fields. Variants: ``complete`` (the required
components), ``missing`` (one required component left out), ``extra-shuffled`` (every
component, optional ones too, files in random order). Scans get a degradation grade
(``mild`` by default).

Generator 1 draws the forms from the labels the extractor knows (``pipeline.samples``), so
its figures measure reading and validation on degraded scans, not how well the extractor
covers real forms. Generator 2 (:mod:`bench.forms2`, written apart from the extractor) draws
them in other fonts, layouts and label wordings, filled in by hand, with owners whose names
and addresses differ in shape; ID cards and official documents are the same in both.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench import forms2
from pipeline.procedures.definitions import Component, Procedure
from pipeline.samples import (GRADES, Official, Person, degrade, id_card_copy, labelled_form,
                              official_document, save_scan)

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = {"Nam": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành"],
          "Nữ": ["Thị", "Thu", "Ngọc", "Thanh", "Diệu", "Kim"]}
GIVEN = {"Nam": ["An", "Bình", "Cường", "Dũng", "Đạt", "Hùng", "Khải", "Lộc", "Phúc", "Quý",
                 "Sơn", "Thắng", "Tuấn", "Việt"],
         "Nữ": ["Anh", "Bích", "Chi", "Dung", "Giang", "Hằng", "Hương", "Lan", "Mai", "Ngân",
                "Oanh", "Phương", "Thảo", "Yến"]}
PLACES = [("038", "Thanh Hóa"), ("001", "Hà Nội"), ("040", "Nghệ An"), ("079", "Hồ Chí Minh")]
STREETS = ["Lê Lợi", "Trần Phú", "Quang Trung", "Hai Bà Trưng", "Nguyễn Trãi", "Phan Đình Phùng"]
LABELS = {"full_name": "Họ và tên", "date_of_birth": "Ngày, tháng, năm sinh",
          "sex": "Giới tính", "id_number": "Số định danh cá nhân", "address": "Nơi cư trú",
          "phone": "Số điện thoại", "business_name": "Tên hộ kinh doanh"}
OFFICIAL_FIELDS = {"issuing_body", "doc_type", "doc_number", "subject", "signer_name"}
DOC_TYPE_OF_TITLE = {"quyết định": "Quyết định", "giấy xác": "Giấy xác nhận"}


@dataclass
class Expected:
    component: str
    fields: dict[str, str]


@dataclass
class GeneratedDossier:
    procedure: str
    variant: str
    owner_id: str
    files: list[Path] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def random_person(rng: random.Random) -> Person:
    sex = rng.choice(["Nam", "Nữ"])
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 55 * 365))
    province, city = rng.choice(PLACES)
    century = (born.year // 100 - 19) * 2 + (sex == "Nữ")
    number = f"{province}{century}{born.year % 100:02d}{rng.randrange(10**6):06d}"
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
    return Person(full_name=name.upper(), sex=sex, date_of_birth=f"{born:%d/%m/%Y}",
                  id_number=number, birthplace=city,
                  address=f"Số {rng.randrange(1, 200)} đường {rng.choice(STREETS)}, {city}",
                  phone=f"09{rng.randrange(10**8):08d}")


def _values(person: Person, business: str) -> dict[str, str]:
    """Each labelled field as printed, and as it should be extracted."""
    day, month, year = person.date_of_birth.split("/")
    return {"full_name": person.full_name, "date_of_birth": person.date_of_birth,
            "sex": person.sex, "id_number": person.id_number, "address": person.address,
            "phone": person.phone, "business_name": business}, {
            "full_name": person.full_name.title(), "date_of_birth": f"{year}-{month}-{day}",
            "sex": person.sex, "id_number": person.id_number, "address": person.address,
            "phone": person.phone, "business_name": business}


def _page(component: Component, person: Person, business: str, issued: date,
          rng: random.Random, generator: int = 1) -> tuple[object, dict[str, str]]:
    """The scan of one component and the field values it should yield."""
    printed, extracted = _values(person, business)
    place_date = f"Thanh Hóa, ngày {issued.day} tháng {issued.month} năm {issued.year}"
    if component.paper == "can_cuoc":
        image = id_card_copy(person)
        truth = {k: extracted[k] for k in ("id_number", "full_name", "date_of_birth", "sex",
                                           "address")}
    elif OFFICIAL_FIELDS & set(component.fields):
        number = f"{rng.randrange(1, 999)}/QĐ-UBND"
        title = component.titles[0]
        doc = Official(number=number, place_date=place_date, title=title.upper(),
                       subject="Về việc xác nhận cho công dân " + person.full_name.title())
        image = official_document(doc)
        truth = {"issuing_body": " ".join(doc.issuing_body), "doc_number": number,
                 "place": "Thanh Hóa", "subject": doc.subject, "signer_name": doc.signer,
                 "doc_type": DOC_TYPE_OF_TITLE[title.split()[0].lower() + " " +
                                               title.split()[1].lower()]}
    else:
        labelled = [name for name in component.fields if name in LABELS]
        if generator == 2:
            image = forms2.form(component.titles[0], labelled, person, business, issued,
                                forms2.random_style(rng), rng)
        else:
            image = labelled_form(component.titles[0],
                                  [f"{LABELS[name]}: {printed[name]}" for name in labelled],
                                  place_date)
        truth = {name: extracted[name] for name in labelled}
    truth["issue_date"] = issued.isoformat()
    return image, {k: v for k, v in truth.items() if k in component.fields}


def build(folder: Path, catalogue: dict[str, Procedure], seed: int = 7, grade: str = "mild",
          generator: int = 1) -> list[GeneratedDossier]:
    rng = random.Random(seed)
    make_person = forms2.random_person if generator == 2 else random_person
    dossiers = []
    for procedure in catalogue.values():
        required = [c for c in procedure.components if c.required]
        for variant in ("complete", "missing", "extra-shuffled"):
            person = make_person(rng)
            chosen = list(procedure.components) if variant == "extra-shuffled" else list(required)
            dossier = GeneratedDossier(procedure.code, variant, person.id_number)
            if variant == "missing":
                dropped = rng.choice(required)
                chosen.remove(dropped)
                dossier.missing = [dropped.code]
            issued = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
            business = f"Cửa hàng {rng.choice(GIVEN['Nữ'])} {rng.choice(GIVEN['Nam'])}"
            for index, component in enumerate(chosen):
                image, truth = _page(component, person, business, issued, rng, generator)
                path = folder / f"{procedure.code}-{variant}" / f"{index:02d}-{component.code}.jpg"
                how = GRADES[grade]
                save_scan(degrade(image, how, seed=rng.randrange(1000)), path, how.dpi, how.jpeg)
                dossier.files.append(path)
                dossier.expected.append(Expected(component.code, truth))
            if variant == "extra-shuffled":
                rng.shuffle(dossier.files)
            dossiers.append(dossier)
    return dossiers
