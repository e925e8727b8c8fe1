"""`bsc lab` / `bsc workshop` command lines: loopback and a token by default, the store for every kernel."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bsc_widgets.app.servers import (
    DEFAULT_POOL,
    JUPYTER_DATA,
    LAB_SETTINGS,
    VOILA_TEMPLATE,
    WORKBOOKS,
    ServerCommand,
    checked_pass_through,
    exposure_warning,
    lab_command,
    workshop_command,
)
from bsc_widgets.cli import main
from bsc_widgets.config import resolve_store
from bsc_widgets.roster import Roster
from bsc_widgets.store import Store

TEMPLATE = JUPYTER_DATA / "voila" / "templates" / VOILA_TEMPLATE


def option(argv: list[str], name: str) -> str:
    values = [a.split("=", 1)[1] for a in argv if a.startswith(f"{name}=")]
    assert len(values) == 1, (name, argv)
    return values[0]


def test_workshop_binds_loopback_with_a_random_token_and_no_code(tmp_path: Path) -> None:
    one = workshop_command(workbooks=WORKBOOKS, store=str(tmp_path), port=9999, env={}, private_dir=tmp_path / "a")
    two = workshop_command(workbooks=WORKBOOKS, store=str(tmp_path), port=9999, env={}, private_dir=tmp_path / "b")
    assert option(one.argv, "--Voila.ip") == "127.0.0.1" and option(one.argv, "--port") == "9999"
    token = one.url.split("token=", 1)[1]
    assert token != two.url.split("token=", 1)[1] and len(token) >= 24
    assert not any(token in a for a in one.argv) and not any("token" in a for a in one.argv), "no token in `ps`"
    assert token not in json.dumps(one.env) and token not in (tmp_path / "a" / "roster.json").read_text()
    assert option(one.argv, "--strip_sources") == "True" and option(one.argv, "--template") == VOILA_TEMPLATE
    assert one.env["BSC_STORE"] == str(tmp_path)
    assert one.env["JUPYTER_PATH"].split(":")[0] == str(JUPYTER_DATA)
    assert one.url == f"http://127.0.0.1:9999/?token={token}" and one.warnings == []


def test_lab_binds_loopback_and_keeps_the_workbooks_choice_without_a_store(tmp_path: Path) -> None:
    command = lab_command(workbooks=WORKBOOKS, token="secret", port=8899, env={"PATH": "/bin"})
    assert option(command.argv, "--ServerApp.ip") == "127.0.0.1"
    assert command.env["JUPYTER_TOKEN"] == "secret" and not any("secret" in a for a in command.argv)
    assert option(command.argv, "--ServerApp.root_dir") == str(WORKBOOKS)
    assert option(command.argv, "--LabApp.news_url") == "None"
    assert "BSC_STORE" not in command.env and command.url == "http://127.0.0.1:8899/lab?token=secret"
    overrides = json.loads((Path(option(command.argv, "--LabApp.app_settings_dir")) / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert LAB_SETTINGS.is_dir()


def test_another_address_is_explicit_and_warned_about() -> None:
    assert exposure_warning("127.0.0.1") == [] and exposure_warning("::1") == [] and exposure_warning("localhost") == []
    command = lab_command(workbooks=WORKBOOKS, ip="0.0.0.0", token="t", env={})
    assert command.warnings and "anyone who can reach" in command.warnings[0]


def test_store_resolution_follows_the_workbooks(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    assert resolve_store("given", folder=books, env={"BSC_STORE": "env"}) == str(Path("given").resolve())
    assert resolve_store(None, folder=books, env={"BSC_STORE": "s3://bucket/plan"}) == "s3://bucket/plan"
    assert resolve_store(None, folder=books, env={}) == str(books / "workshop-store")
    (books / ".bsc-workshop.json").write_text(json.dumps({"store": "our-plan", "scorecard": "org"}))
    assert resolve_store(None, folder=books, env={}) == str(books / "our-plan")


def test_voila_template_fetches_nothing_from_the_network() -> None:
    for path in TEMPLATE.iterdir():
        text = path.read_text()
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), path
        assert "cdn" not in re.sub(r"\{#.*?#\}", "", text, flags=re.S).lower(), path


def test_workshop_refuses_a_folder_that_is_not_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.txt").write_text("not a store")
    monkeypatch.delenv("BSC_STORE", raising=False)
    result = CliRunner().invoke(main, ["workshop", "--store", str(tmp_path), "--no-browser"])
    assert result.exit_code == 2 and "Error:" in result.output, result.output


def test_missing_workbooks_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lab", "--workbooks", str(tmp_path), "--no-browser"])
    assert result.exit_code == 2 and "no workbooks in" in result.output, result.output


def test_workshop_is_ready_for_a_room_and_pre_heats_a_pool_per_step(tmp_path: Path) -> None:
    command = workshop_command(workbooks=WORKBOOKS, store=str(tmp_path), env={}, private_dir=tmp_path / "p")
    assert command.argv[1:3] == ["-m", "bsc_widgets.app.voila_app"], "the step pages that set the XSRF cookie"
    assert option(command.argv, "--VoilaConfiguration.preheat_kernel") == "True"
    assert option(command.argv, "--VoilaConfiguration.default_pool_size") == str(DEFAULT_POOL) == "1"
    assert int(option(command.argv, "--VoilaExecutor.iopub_timeout")) >= 30, "nbclient's 4 s lost forms"
    assert int(option(command.argv, "--VoilaExecutor.startup_timeout")) >= 60
    assert option(command.argv, "--KernelManager.transport") == "ipc"
    idle, every = (int(option(command.argv, f"--MappingKernelManager.{name}"))
                   for name in ("cull_idle_timeout", "cull_interval"))
    assert idle + every <= 120, "a closed tab's kernel is gone within 2 minutes"
    assert command.env["VOILA_APP_IP"] == "127.0.0.1", "pre-heated kernels reach the server where it listens"
    lan = workshop_command(workbooks=WORKBOOKS, store=str(tmp_path), env={}, ip="192.168.1.20", pool=0,
                           private_dir=tmp_path / "p")
    assert lan.env["VOILA_APP_IP"] == "192.168.1.20"
    anywhere = workshop_command(workbooks=WORKBOOKS, store=str(tmp_path), env={}, ip="0.0.0.0",
                                private_dir=tmp_path / "p")
    assert "VOILA_APP_IP" not in anywhere.env, "every address: Voila's default, 127.0.0.1"
    assert not any("preheat" in a or "pool_size" in a for a in lan.argv), "--pool 0: every page starts its kernel"


def test_pool_option_reaches_voila(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("bsc_widgets.cli.servers._run", lambda command, what: seen.append(command.argv))
    result = CliRunner().invoke(main, ["workshop", "--store", str(tmp_path / "plan"), "--no-browser", "--create",
                                       "--pool", "3"])
    assert result.exit_code == 0, result.output
    assert option(seen[0], "--VoilaConfiguration.default_pool_size") == "3"
    result = CliRunner().invoke(main, ["workshop", "--store", str(tmp_path / "plan"), "--pool", "-1"])
    assert result.exit_code == 2 and "--pool" in result.output


def test_step_pages_are_served_by_the_handler_that_sets_the_xsrf_cookie() -> None:
    from voila.tornado.handler import TornadoVoilaHandler

    from bsc_widgets.app.voila_app import StepPageHandler, WorkshopVoila

    app = WorkshopVoila()
    app.initialize([str(WORKBOOKS), "--no-browser", "--port=0"])
    app.init_settings()  # builds the kernel manager (nothing starts without preheating)
    handlers = app.init_handlers()
    steps = [spec for spec in handlers if spec[0].endswith("/voila/render/(.*)")]
    assert len(steps) == 1 and steps[0][1] is StepPageHandler and issubclass(StepPageHandler, TornadoVoilaHandler)
    assert not any(spec[1] is TornadoVoilaHandler for spec in handlers)


@pytest.mark.parametrize("passed", [["--token="], ["--IdentityProvider.token="], ["--Voila.token", ""],
                                    ["--Voila.identity_provider_class=jupyter_server.auth.IdentityProvider"],
                                    ["--WorkshopVoila.authorizer_class=x"], ["--ServerApp.password=''"],
                                    ["--Voila.tornado_settings={'headers': {}}"]])
def test_options_passed_through_cannot_turn_authentication_off(tmp_path: Path, passed: list[str]) -> None:
    (tmp_path / "store").mkdir()
    Store.create(tmp_path / "store")
    for command in ("workshop", "lab"):
        result = CliRunner().invoke(main, [command, "--store", str(tmp_path / "store"), "--no-browser", "--",
                                           *passed])
        assert result.exit_code == 2 and "cannot be passed through" in result.output, (command, result.output)


def test_an_address_passed_through_is_warned_about(tmp_path: Path) -> None:
    for extra in (["--Voila.ip=0.0.0.0"], ["--ip", "0.0.0.0"]):
        command = workshop_command(workbooks=WORKBOOKS, store=str(tmp_path), env={}, extra=extra,
                                   private_dir=tmp_path / "p")
        assert command.warnings and "anyone who can reach" in command.warnings[0], extra
    assert checked_pass_through(["--Voila.ip=127.0.0.1", "--ServerApp.base_url=/bsc/"])[1] == []


def test_workshop_prints_a_link_per_person_with_its_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[ServerCommand] = []

    def execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        started.append(ServerCommand(argv=argv, env=env, cwd="", url="", store=None))
        raise SystemExit(0)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("bsc_widgets.cli.servers.os.execve", execve)
    (tmp_path / "people.txt").write_text("# the room\nChloe\nDan, viewer\n")
    result = CliRunner().invoke(main, ["workshop", "--store", str(tmp_path / "plan"), "--create", "--no-browser",
                                       "--participants", "Ana, Ben", "--viewers", "Vera", "--roster",
                                       str(tmp_path / "people.txt"), "--token", "the-lead-s-token"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if "?token=" in line]
    assert [(r[0], r[1]) for r in rows] == [("Facilitator", "facilitator"), ("Ana", "participant"),
                                            ("Ben", "participant"), ("Vera", "viewer"), ("Chloe", "participant"),
                                            ("Dan", "viewer")]
    assert rows[0][2].endswith("?token=the-lead-s-token") and len({r[2] for r in rows}) == 6
    roster_path = Path(started[0].env["BSC_ROSTER"])
    assert stat.S_IMODE(roster_path.stat().st_mode) == 0o600 and stat.S_IMODE(roster_path.parent.stat().st_mode) \
        == 0o700
    roster = Roster.load(roster_path)
    assert [m.name for m in roster.members] == ["Facilitator", "Ana", "Ben", "Vera", "Chloe", "Dan"]
    assert roster.find(rows[4][2].split("token=")[1]).name == "Chloe"  # type: ignore[union-attr]
    assert not any("token" in a for a in started[0].argv)
    twice = CliRunner().invoke(main, ["workshop", "--store", str(tmp_path / "plan"), "--no-browser",
                                      "--participants", "Ana, Ana"])
    assert twice.exit_code == 2 and "named twice" in twice.output


def test_the_kernel_learns_the_member_from_the_server_not_the_browser() -> None:
    from jupyter_server.auth.identity import User

    from bsc_widgets.app.voila_app import member_query

    forged = "bsc_member=0-facilitator&token=abc&theme=dark"
    assert member_query(forged, User("2-ben")) == "theme=dark&bsc_member=2-ben"
    assert member_query(forged, None) == "theme=dark"


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_the_private_folder_of_a_workshop_goes_when_the_server_stops(tmp_path: Path, how: signal.Signals) -> None:
    """The roster of token hashes and the app's choice do not outlive the server (stopped by SIGTERM or Ctrl-C)."""
    Store.create(tmp_path / "plan")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "bsc_widgets.cli", "workshop", "--store", str(tmp_path / "plan"), "--no-browser",
            "--port", str(port), "--pool", "0", "--participants", "Ana"]
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")})
    try:
        folder = None
        for _ in range(600):  # the CLI becomes the server (same process): its environment names the folder
            environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
            named = [e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"BSC_PRIVATE_TEMP=")]
            if named and _listening(port):
                folder = Path(named[0])
                break
            time.sleep(0.1)
        assert folder is not None and (folder / "roster.json").is_file()
        server.send_signal(how)
        assert server.wait(timeout=60) is not None
        assert not folder.exists(), log.read_text(errors="replace")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
