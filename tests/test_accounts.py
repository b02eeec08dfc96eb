"""The pages' accounts and sessions without a browser: ``sohoa user`` (passwords from standard
input, hashed with Argon2id, never printed), the lock-out and its end, disabled accounts, the
cookie that cannot be forged nor outlive a login, the key made once per home."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.web.accounts import AccountLocked, Accounts, LoginRefused

runner = CliRunner()
PASSWORD = "mot-mat-khau-du-dai"


def _user(*args, password: str = PASSWORD):
    return runner.invoke(app, ["user", *args, "--json"], input=password + "\n")


def test_user_commands_hash_the_password_and_disable_at_once(home):
    from pipeline.settings import load_settings
    from storage.catalogue import Catalogue

    added = _user("add", "an-test", "--role", "reviewer", "--agency", "000.00.06.H56",
                  "--password-stdin")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["role"] == "reviewer" and PASSWORD not in added.stdout
    again = _user("add", "an-test", "--role", "reviewer", "--agency", "000.00.06.H56",
                  "--password-stdin")
    assert again.exit_code == 2 and "user_exists" in again.stderr
    weak = _user("add", "binh", "--role", "reviewer", "--agency", "000.00.06.H56",
                 "--password-stdin", password="ngan")
    assert weak.exit_code == 2 and "weak_password" in weak.stderr
    wrong = _user("add", "binh", "--role", "boss", "--agency", "000.00.06.H56",
                  "--password-stdin")
    assert wrong.exit_code == 2 and "unknown_role" in wrong.stderr

    catalogue = Catalogue(load_settings().catalogue_url)
    try:
        accounts = Accounts(catalogue)
        stored = next(u for u in accounts.users() if u.name == "an-test")
        assert stored.password_hash.startswith("$argon2id$")
        assert accounts.login("an-test", PASSWORD).name == "an-test"
        listed = json.loads(runner.invoke(app, ["user", "list", "--json"]).stdout)
        assert {"name": "an-test", "disabled": False}.items() <= \
            next(u for u in listed if u["name"] == "an-test").items()
        assert runner.invoke(app, ["user", "disable", "an-test", "--json"]).exit_code == 0
        with pytest.raises(LoginRefused):
            accounts.login("an-test", PASSWORD)  # the right password, a disabled account
        gone = runner.invoke(app, ["user", "disable", "nobody"])
        assert gone.exit_code == 1 and "unknown_user" in gone.stderr
    finally:
        catalogue.dispose()


def test_repeated_failures_lock_an_account_for_a_while(catalogue):
    accounts = Accounts(catalogue, failures=3, lock_minutes=15)
    accounts.add("chi", "scanner", ["000.00.06.H56"], PASSWORD)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    for _ in range(3):
        with pytest.raises(LoginRefused):
            accounts.login("chi", "sai", now)
    with pytest.raises(AccountLocked):
        accounts.login("chi", PASSWORD, now + timedelta(minutes=5))
    assert accounts.login("chi", PASSWORD, now + timedelta(minutes=16)).name == "chi"
    actions = [e.action for e in accounts.log("chi")]
    assert actions == ["created", "login_failed", "login_failed", "login_failed",
                       "login_locked", "login"]
    with pytest.raises(LoginRefused):
        accounts.login("khong-co", PASSWORD)  # unknown: the same answer


def test_a_session_cookie_cannot_be_forged_nor_outlive_a_login(home, monkeypatch):
    from pipeline.settings import load_settings
    from pipeline.web.sessions import Sessions, secret

    settings = load_settings()
    key = secret(settings)
    assert secret(settings) == key  # made once, then read
    path = settings.home_dir / "web-secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    sessions = Sessions(key, minutes=60)
    cookie, made = sessions.issue("mai")
    assert sessions.read(cookie) == made and made.csrf
    assert sessions.read(cookie[:-2] + "xx") is None  # tampered
    assert Sessions("another key", 60).read(cookie) is None  # another site's key
    later = time.time() + 61 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert sessions.read(cookie) is None  # a login lasts an hour here
