"""Run a ``sohoa`` command that dies at a named point, as a crash would: for the fault tests.

``python tests/killpoint.py <point> <sohoa arguments…>``; points: ``originals`` (originals
stored, nothing else), ``objects`` (two of the dossier's objects stored), ``commit`` (every
object and the manifest stored, the catalogue not yet written), ``s3`` (the local S3 server
killed just before the first object of the dossier is written).
"""

import json
import os
import signal
import sys
from pathlib import Path

from storage.catalogue import Catalogue
from storage.objects import ObjectStore


def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


point, sys.argv = sys.argv[1], ["sohoa", *sys.argv[2:]]
if point == "originals":
    Catalogue.begin_upload = die
elif point == "commit":
    Catalogue.replace = die
elif point in ("objects", "s3"):
    put, written = ObjectStore.put, []

    def counted(self, key, *args, **kwargs):
        if "/originals/" not in key:
            if point == "s3" and not written:
                state = json.loads((Path(os.environ["SOHOA_HOME"]) / "run" / "s3.json").read_text())
                os.kill(state["child"], signal.SIGKILL)
            elif point == "objects" and len(written) == 2:
                die()
            written.append(key)
        return put(self, key, *args, **kwargs)

    ObjectStore.put = counted
else:
    raise SystemExit(f"unknown point {point}")

from pipeline.cli import main  # noqa: E402  (after the patches)

main()
