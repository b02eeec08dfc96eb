"""The page quality gate on generated scans: each defect named, clean pages let through."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

from pipeline.ocr.quality import assess
from pipeline.ocr.preprocess import to_gray
from pipeline.samples import GRADES, SAMPLE_PERSON, Degradation, degrade, judicial_record_form


@pytest.fixture(scope="module")
def form():
    return judicial_record_form(SAMPLE_PERSON)


def _issues(image: Image.Image, dpi: int = 300) -> tuple[str, ...]:
    return assess(to_gray(image), dpi).issues


def test_clean_and_mild_scans_pass(form):
    assert _issues(form) == ()
    assert _issues(degrade(form, GRADES["mild"]), 200) == ()
    assert _issues(degrade(form, GRADES["rotated-90"])) == ()


def test_low_resolution_is_named_with_its_dpi(form):
    quality = assess(to_gray(degrade(form, GRADES["hard"])), 150)
    assert quality.issues == ("low_resolution",)
    assert "150 dpi" in quality.message("low_resolution")


def test_blurred_page(form):
    assert _issues(form.filter(ImageFilter.GaussianBlur(4))) == ("blurred",)


def test_too_dark_and_too_light(form):
    dark = Image.fromarray((np.asarray(form, dtype=np.float32) * 0.35).astype(np.uint8))
    assert _issues(dark) == ("too_dark",)
    faded = Image.blend(form, Image.new("RGB", form.size, "white"), 0.72)
    assert _issues(faded) == ("too_light",)


def test_cut_off_names_the_side(form):
    cropped = form.crop((0, 0, round(form.width * 0.62), form.height))
    quality = assess(to_gray(cropped), 300)
    assert quality.issues == ("cut_off",) and quality.cut_sides == ("right",)
    assert "phải" in quality.message("cut_off")


@pytest.mark.parametrize("how", [Degradation(tint=0.35, noise=6, holes=True, border=4, jpeg=60),
                                 GRADES["hard"]])
def test_blank_back_of_a_duplex_scan(how):
    back = degrade(Image.new("RGB", (2480, 3508), "white"), how)
    assert assess(to_gray(back), how.dpi).issues == ("blank_page",)


def test_a_short_note_is_not_blank(form):
    note = form.crop((0, 0, form.width, round(form.height * 0.3)))
    page = Image.new("RGB", form.size, "white")
    page.paste(note.crop((0, round(form.height * 0.15), form.width, round(form.height * 0.2))),
               (0, 600))
    assert not assess(to_gray(page), 300).blank
