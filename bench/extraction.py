"""Extraction and completeness on generated dossiers of every procedure in the catalogue.

    .venv/bin/python -m bench.extraction [--seed 7] [--rounds 2] [--grade mild] [--generators 1,2]

Runs the pipeline's own stages without Prefect, signing or storage (``pipeline.reading`` →
``pipeline.segments`` → ``pipeline.documents.read_document`` → owner checks → completeness),
the owner ID given as the one-stop system would give it. Prints per-field exact-match
accuracy, completeness decision accuracy (missing components exactly as expected) and the
straight-through rate (complete dossiers reaching ``digitised`` with no human touch), the
precision of accepted values (fields with no review problem that are right) and the coverage
(fields accepted without review), for each form generator apart (:mod:`bench.dossier_corpus`):
generator 1's forms are drawn from the labels the extractor knows, generator 2's are not.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.dossier_corpus import GeneratedDossier, build
from pipeline.checks import owner_mismatches
from pipeline.completeness import judge
from pipeline.documents import read_document
from pipeline.intake import read_local
from pipeline.model import ProcessedPage
from pipeline.pages import plan_pages
from pipeline.procedures.definitions import Procedure, load_procedures
from pipeline.records import Status
from pipeline.reading import read_page
from pipeline.segments import split


def _read(path: Path) -> list[ProcessedPage]:
    received = read_local(path)
    return [read_page(received, ref, "vie", 200, 120) for ref in
            plan_pages(received, max_pages=10, max_pixels=120_000_000, default_dpi=300)]


def run(dossier: GeneratedDossier, procedure: Procedure, pool: ThreadPoolExecutor):
    """(status, missing components, {component: (fields, fields sent to review)}, review
    problem codes)."""
    files = list(pool.map(_read, dossier.files))
    segments, problems = split(files, procedure.components)
    found, owners = {}, []
    for segment in segments:
        fields, doc_problems = read_document(segment)
        problems += doc_problems
        if segment.component:
            found[segment.component.code] = fields, {p.field for p in doc_problems if p.field}
            if segment.component.owner:
                owners.append((segment.pages[0].ref.file, segment.component.code, fields))
    problems += owner_mismatches(owners)
    verdict = judge(procedure, [s.component.code if s.component else None for s in segments],
                    problems)
    codes = sorted({f"{p.code} ({p.field})" if p.field else p.code
                    for p in verdict.problems if p.severity == "review"})
    return verdict.status, verdict.missing_components, found, codes


def measure(generator: int, args: argparse.Namespace) -> None:
    catalogue = load_procedures()
    right, total = Counter(), Counter()
    decisions = straight = complete = accepted = accepted_right = 0
    misses = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-dossiers-") as tmp, \
            ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        dossiers = [d for r in range(args.rounds)
                    for d in build(Path(tmp) / str(r), catalogue, args.seed + r, args.grade,
                                   generator)]
        pages = sum(len(d.files) for d in dossiers)
        for dossier in dossiers:
            status, missing, found, codes = run(dossier, catalogue[dossier.procedure], pool)
            decisions += sorted(missing) == sorted(dossier.missing)
            if not dossier.missing:
                complete += 1
                straight += status == Status.DIGITISED
                if status != Status.DIGITISED:
                    misses.append(f"{dossier.procedure} {dossier.variant}: {', '.join(codes)}")
            for expected in dossier.expected:
                got, flagged = found.get(expected.component, ({}, set()))
                for name, value in expected.fields.items():
                    total[name] += 1
                    ok = bool(got.get(name)) and got[name].value == value
                    right[name] += ok
                    taken = name in got and name not in flagged
                    accepted += taken
                    accepted_right += taken and ok
                    if not ok:
                        state = "accepted" if taken else "review" if name in got else "absent"
                        misses.append(f"{dossier.procedure} {expected.component}.{name}: "
                                      f"expected {value!r}, got "
                                      f"{got[name].value if name in got else None!r} ({state})")
    seconds = time.perf_counter() - start
    print(f"generator {generator}: {len(dossiers)} dossiers, {pages} {args.grade}-grade scans, "
          f"{len(catalogue)} procedures, {seconds:.0f} s\n")
    print(f"{'field':16}{'exact':>9}{'of':>6}")
    for name in sorted(total):
        print(f"{name:16}{right[name] / total[name]:>9.1%}{total[name]:>6}")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(f"{'all fields':16}{all_right / all_total:>9.1%}{all_total:>6}\n")
    print(f"accepted-value precision: {accepted_right}/{accepted} = "
          f"{accepted_right / max(accepted, 1):.1%}; coverage (accepted and right): "
          f"{accepted_right}/{all_total} = {accepted_right / all_total:.1%}")
    print(f"completeness decisions: {decisions}/{len(dossiers)} = {decisions / len(dossiers):.1%}")
    print(f"straight-through (complete dossiers to 'digitised'): {straight}/{complete} = "
          f"{straight / complete:.1%}")
    if misses:
        print("\nnot right:\n  " + "\n  ".join(misses))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--grade", default="mild", choices=["clean", "mild", "hard"])
    parser.add_argument("--rounds", type=int, default=2,
                        help="dossiers of each variant per procedure")
    parser.add_argument("--generators", default="1,2", help="form generators, apart")
    args = parser.parse_args()
    for generator in args.generators.split(","):
        measure(int(generator), args)


if __name__ == "__main__":
    main()
