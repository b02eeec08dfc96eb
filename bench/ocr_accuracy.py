"""OCR accuracy per degradation grade: raw tesseract, OCRmyPDF and sohoa on the same pages.

    .venv/bin/python -m bench.ocr_accuracy [--pages N] [--engines raw,ocrmypdf,sohoa] [--ablate]

Prints character and word error rates (edit distance over the reference length, after NFC
normalisation and whitespace collapse) per grade and engine. ``--ablate`` prints sohoa's error
with each preprocessing step taken out of, or added to, the default chain.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from PIL import Image
from rapidfuzz.distance import Levenshtein

from bench import peers
from bench.ocr_corpus import CorpusPage, build
from pipeline.ocr.preprocess import DEFAULT_STEPS, STEPS
from pipeline.ocr.recognise import ocr_page
from pipeline.samples import GRADES
from pipeline.text import nfc


def normalise_text(text: str) -> str:
    return " ".join(nfc(text).split())


def errors(hypothesis: str, truth: str) -> tuple[int, int, int, int]:
    """(character edits, characters, word edits, words) of ``hypothesis`` against ``truth``."""
    hyp, ref = normalise_text(hypothesis), normalise_text(truth)
    return (Levenshtein.distance(hyp, ref), len(ref),
            Levenshtein.distance(hyp.split(), ref.split()), len(ref.split()))


def sohoa_text(steps: frozenset[str]) -> Callable[[CorpusPage], str]:
    def read(page: CorpusPage) -> str:
        with Image.open(page.path) as image:
            return ocr_page(image.copy(), page.dpi, steps=steps).text
    return read


ENGINES: dict[str, Callable[[CorpusPage], str]] = {
    "raw": lambda page: peers.raw_tesseract_text(page.path),
    "ocrmypdf": lambda page: peers.ocrmypdf_text(page.path),
    "sohoa": sohoa_text(DEFAULT_STEPS),
}


def score(read: Callable[[CorpusPage], str], corpus: list[CorpusPage]) -> dict[str, tuple[float, float]]:
    """Per grade: (CER, WER) over all its pages."""
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        counts = list(pool.map(lambda page: errors(read(page), page.truth), corpus))
    out = {}
    for grade in dict.fromkeys(p.grade for p in corpus):
        rows = [c for c, p in zip(counts, corpus) if p.grade == grade]
        out[grade] = (sum(r[0] for r in rows) / sum(r[1] for r in rows),
                      sum(r[2] for r in rows) / sum(r[3] for r in rows))
    return out


def _table(columns: dict[str, dict[str, tuple[float, float]]], grades: list[str]) -> str:
    head = "grade".ljust(13) + "".join(f"{name + ' CER':>17}{'WER':>8}" for name in columns)
    lines = [head, "-" * len(head)]
    for grade in grades:
        lines.append(grade.ljust(13) + "".join(
            f"{columns[name][grade][0]:>16.2%} {columns[name][grade][1]:>7.2%}" for name in columns))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4, help="pages per grade")
    parser.add_argument("--engines", default="raw,ocrmypdf,sohoa")
    parser.add_argument("--grades", default=",".join(GRADES))
    parser.add_argument("--ablate", action="store_true",
                        help="sohoa with each preprocessing step toggled, instead of the engines")
    args = parser.parse_args()
    grades = args.grades.split(",")
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-corpus-") as tmp:
        corpus = build(Path(tmp), args.pages, grades)
        print(f"{len(corpus)} pages: {args.pages} per grade; text compared after NFC and "
              f"whitespace collapse; {os.cpu_count()} workers\n")
        if args.ablate:
            columns = {"default": score(sohoa_text(DEFAULT_STEPS), corpus)}
            for step in STEPS:
                toggled = DEFAULT_STEPS ^ {step}
                label = ("-" if step in DEFAULT_STEPS else "+") + step
                columns[label] = score(sohoa_text(frozenset(toggled)), corpus)
                print(f"{label}: done", flush=True)
        else:
            columns = {name: score(ENGINES[name], corpus) for name in args.engines.split(",")}
        print(_table(columns, grades))


if __name__ == "__main__":
    main()
