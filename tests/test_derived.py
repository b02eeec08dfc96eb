"""Tables derived from data files, kept between processes (``pipeline.derived``)."""

import os
import subprocess
import sys

from pipeline.derived import derived


def test_a_table_is_built_once_and_again_when_its_source_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "words.txt"
    source.write_text("bổ sung\n")
    builds = []

    def build():
        builds.append(1)
        return {"bo sung": ("bổ sung",), "all": frozenset(source.read_text().split())}

    first = derived("t", [source], build)
    assert derived("t", [source], build) == first and builds == [1]  # the stored one
    source.write_text("bổ sung\nquốc phòng\n")
    os.utime(source, ns=(1, 1))
    assert "quốc" in derived("t", [source], build)["all"] and builds == [1, 1]
    for entry in (tmp_path / "cache" / "sohoa" / "derived").iterdir():
        entry.write_bytes(b"\x00broken")  # an unreadable entry: built again, not raised
    assert derived("t", [source], build)["all"] == frozenset({"bổ", "sung", "quốc", "phòng"})
    assert builds == [1, 1, 1]


def test_a_read_only_cache_builds_each_time_without_failing(tmp_path, monkeypatch):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "sohoa").write_text("not a folder")  # nothing can be made there
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "s"
    source.write_text("x")
    assert derived("t", [source], lambda: (1, 2)) == (1, 2)


def test_another_process_gets_the_gazetteer_and_dictionary_from_the_cache(tmp_path):
    """The tables a fresh process loads equal those it builds, and a second process loads
    them without building (the builders are made to fail there)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    script = ("import sys; from pipeline.fields import places; from pipeline.ocr import spelling;"
              "broken = len(sys.argv) > 1\n"
              "if broken:\n"
              "    places._gazetteer = None; spelling.unicodedata = spelling.fold_aligned = None\n"
              "units, pairs, bare = places._units(), spelling._pairs(), spelling._bare_pairs()\n"
              "print(sum(map(len, units.values())), len(pairs), len(bare), "
              "'bổ sung' in pairs, bare['bo sung'])")
    built = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, check=True).stdout
    loaded = subprocess.run([sys.executable, "-c", script, "cached"], env=env,
                            capture_output=True, text=True, check=True).stdout
    assert built == loaded and " True " in built
    assert len(list((tmp_path / "sohoa" / "derived").iterdir())) == 3
