"""Diacritics the engine misread, put right from its own alternatives (pipeline.ocr.spelling):
the choice of a spelling on the engine's alternatives as the real scans gave them, and the
model's word list and the dictionary the choice stands on."""

from __future__ import annotations

from pipeline._exec import tesseract
from pipeline.ocr import spelling

SYLLABLES = tesseract.dictionary("vie")
PAIRS = spelling._pairs()


def _respelt(letters, choices, before="", after=""):
    return spelling.respelt(letters, choices, before, after, SYLLABLES, PAIRS)


def test_the_models_word_list_is_its_syllables_and_the_dictionary_its_words():
    assert len(SYLLABLES) > 5000
    assert {"bổ", "số", "chuẩn", "ninh", "nguyễn"} <= SYLLABLES
    assert not {"bỗ", "chuân", "quôc", "nỉnh"} & SYLLABLES  # what the engine read for them
    assert {"bổ sung", "an ninh", "quốc phòng", "tiêu chuẩn"} <= PAIRS
    assert "bố sung" not in PAIRS


def test_a_neighbour_that_makes_a_word_outweighs_a_likelier_tone():
    # tt-11-2026-nhnn: "sửa đổi, bỗ sung"; the engine's second choice "ố" makes no word
    choices = [(("b", 91.3),), (("ỗ", 91.3), ("ố", 70.8), ("ổ", 53.1), ("ồ", 37.9))]
    assert _respelt("bỗ", choices, after="sung") == ("bổ", 53.1)
    assert _respelt("bỗ", choices) == ("bố", 70.8)  # alone: the surest syllable


def test_a_dropped_hat_is_put_back_when_the_engine_is_sure_of_it():
    # tt-11: "Luật … số 32/2024/QH15" read "só"; a number follows, so no word to lean on
    assert _respelt("só", [(("s", 95.0),), (("ố", 92.0), ("ó", 40.0))]) == ("số", 92.0)
    assert _respelt("SÓ", [(("S", 90.6),), (("Ó", 93.5), ("Ố", 11.0))]) is None  # not sure


def test_the_dictionary_alone_may_put_back_what_the_engine_never_offered():
    # tt-11: "SỬA ĐỎI": the engine offered Ô, Ồ, Ộ, Ó, never Ổ
    choices = [(("Đ", 92.7),), (("Ỏ", 94.8), ("Ô", 4.8), ("Ồ", 2.0)), (("I", 95.2),)]
    assert _respelt("ĐỎI", choices, before="sửa") == ("ĐỔI", 0.0)


def test_words_that_are_no_syllable_and_have_none_are_left_as_read():
    # abbreviations and numerals of the real scans, with the alternatives the engine gave
    assert _respelt("NHNN", [(("N", 90.0),), (("H", 90.0),), (("N", 90.0),), (("N", 90.0),)]) is None
    assert _respelt("ODA", [(("O", 90.0), ("Ó", 20.0)), (("D", 90.0), ("Đ", 30.0)),
                            (("A", 90.0), ("Ạ", 60.0))], after="không") is None
    assert _respelt("XIV", [(("X", 90.0),), (("I", 90.0), ("Í", 55.0)), (("V", 90.0),)]) is None


def test_a_word_read_again_into_other_characters_is_left_as_read():
    # read alone, "chuân" lost its "c": the characters no longer line up with the page's
    assert _respelt("chuân", [(("h", 90.0),), (("u", 90.0),), (("ẩ", 90.0),), (("n", 90.0),)],
                    before="tiêu") is None
    # a position whose alternatives share no letter with the page's: another word was read
    assert _respelt("nghè", [(("m", 90.0),), (("g", 90.0),), (("h", 90.0),), (("ề", 90.0),)]) is None


def test_a_syllable_is_respelt_only_into_a_word_the_engine_reads_alone():
    # tt-39-2026-bgddt: "Hội đồng thâm định"; read alone, "ẩ" is the engine's first choice
    assert spelling.repaired("thâm", [(("t", 95.0),), (("h", 95.0),),
                                      (("ẩ", 86.2), ("â", 60.0)), (("m", 94.0),)],
                             frozenset({"thẩm"})) == ("thẩm", 86.2)
    # a name: "Văn Hiền", and "văn hiến" is a word; the engine offers "ế" second: kept
    assert spelling.repaired("Hiền", [(("H", 95.0),), (("i", 95.0),), (("ề", 90.0), ("ế", 70.0)),
                                      (("n", 95.0),)], frozenset({"hiến"})) is None
    # "BÓ SUNG" read alone as "BỔ": capitals keep their case
    assert spelling.repaired("BÓ", [(("B", 95.0),), (("Ổ", 92.0), ("Ó", 80.0))],
                             frozenset({"bổ"})) == ("BỔ", 92.0)


def test_the_dictionary_knows_which_spellings_make_words_with_a_neighbour():
    assert "bổ" in spelling._pairing("bó", "", "sung") and "tổ" in spelling._pairing("tô", "cấu", "chức")
    assert spelling._pairing("thâm", "đồng", "định") == {"thẩm"}
    assert "hiến" in spelling._pairing("hiền", "văn", "") and "văn hiến" in PAIRS
    assert not spelling._pairing("sung", "bó", "")  # only the word itself varies


def test_a_hand_written_g_read_as_a_is_put_right_where_one_reading_makes_a_syllable():
    """Generator 2's hand-filled business name read "Cửa hàna Duna Cường"; print is left
    alone, and a hand-written word that is a syllable as read stays."""
    import numpy as np

    def word(text, source="hand"):
        return tesseract.EngineWord(text, 80.0, 80.0, (0, 0, 10, 10), (1, 1, 1), source)

    line = [word("Cửa"), word("hàna"), word("Duna,"), word("Nam"), word("hàna", "print")]
    fixed = spelling.correct([line], np.full((20, 20), 255, np.uint8), 300, "vie")[0]
    assert [w.text for w in fixed[:4]] == ["Cửa", "hàng", "Dung,", "Nam"]
    assert fixed[4].text == "hàna"  # print goes by the engine's alternatives (none on blank)
