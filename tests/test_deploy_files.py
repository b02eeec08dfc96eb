"""The deploy/ folder: each systemd unit starts a command and options this version has (run
here with ``--help``), and the environment files name only settings that exist."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).parent.parent / "deploy"
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("unit", sorted(p.name for p in DEPLOY.glob("*.service")))
def test_each_unit_starts_a_command_this_version_has(unit):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / unit)
    words = parser["Service"]["ExecStart"].replace("%i", "sohoa").split()
    assert words[0].startswith("/opt/sohoa/.venv/bin/")
    program = BIN / Path(words[0]).name
    # every option the unit passes, given a value, then --help: refused if one is unknown
    done = subprocess.run([str(program), *words[1:], "--help"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for option in (w for w in words[1:] if w.startswith("--")):  # Prefect's CLI is lenient
        assert option in done.stdout, (unit, option)


def test_the_environment_files_name_settings_that_exist():
    from pipeline.settings import Settings

    fields = {f"SOHOA_{name.upper()}" for name in Settings.model_fields}
    for path in DEPLOY.glob("*.env"):
        for line in path.read_text().splitlines():
            if line.startswith("SOHOA_"):
                assert line.split("=", 1)[0] in fields, (path.name, line)
            elif line and not line.startswith("#"):
                assert line.startswith("PREFECT_"), (path.name, line)
