"""Roles in the workshop app, in Chromium: named participants, a viewer refused, the kernel API closed, the CSP.

One `bsc workshop` with a facilitator, two participants and a viewer, each with a link of
their own (no pre-heated kernels: what is tested is who may do what, not speed).
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Server, button, copy_store, failure_screenshot, new_page, person_links, start_server

from bsc_widgets import Store

STEP_7 = "07-propose-vote-and-sign-off"


@pytest.fixture(scope="module")
def room(sample_store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`bsc workshop` for a facilitator, Ana and Ben (participants) and Vera (a viewer)."""
    tmp = tmp_path_factory.mktemp("roles")
    server = start_server("workshop", copy_store(sample_store_template, tmp / "store"), tmp,
                          options=("--pool", "0", "--participants", "Ana, Ben", "--viewers", "Vera"))
    try:
        server.wait_ready("/")
        yield server
    finally:
        server.stop()


def links(server: Server) -> dict[str, str]:
    """The link of each person, as `bsc workshop` printed them (name -> address with its own token)."""
    found = person_links(server)
    assert {"Facilitator", "Ana", "Ben", "Vera"} <= set(found), server.output()
    return found


def open_as(page: Any, link: str, step: str, form: str) -> Any:
    """Open ``step`` from the landing page reached by a person's link; wait for ``form``."""
    page.goto(link)
    page.locator(f"a.bsc-step[data-step='{step}']").click()
    page.locator(form).wait_for()
    return page.locator(form)


def status_of(url: str, method: str = "GET") -> int:
    """The HTTP status of a request to ``url``."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


SEND_CODE = """async ([url, code]) => {
    const ws = new WebSocket(url);
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    const got = [];
    ws.onmessage = (event) => got.push(JSON.parse(event.data).header.msg_type);
    const message = (type, content) => JSON.stringify({channel: "shell", header: {msg_id: type + Math.random(),
        msg_type: type, username: "", session: "crafted", version: "5.3", date: new Date().toISOString()},
        parent_header: {}, metadata: {}, content: content, buffers: []});
    ws.send(message("execute_request", {code: code, silent: false, store_history: false, user_expressions: {},
                                        allow_stdin: false, stop_on_error: true}));
    ws.send(message("kernel_info_request", {}));
    await new Promise((ok) => setTimeout(ok, 5000));
    ws.close();
    return got;
}"""
"""A crafted page's attempt to run code in its kernel: an execute request, then a kernel-info request."""


def test_a_participant_link_reaches_the_page_but_cannot_run_code_or_stop_kernels(browser: Any, room: Server,
                                                                                 screenshots: Path) -> None:
    people = links(room)
    token = {name: link.split("token=", 1)[1] for name, link in people.items()}
    context, page, watch = new_page(browser, (room.base, room.base.replace("http:", "ws:")))
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    proof = room.store.parent / "code-ran.txt"
    try:
        with failure_screenshot(page, screenshots / "workshop-roles-api-FAILED.png", watch):
            response = page.goto(people["Ana"])
            assert response is not None
            policy = response.headers.get("content-security-policy", "")
            assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy
            assert response.headers.get("x-content-type-options") == "nosniff"
            page.locator("a.bsc-step[data-step='01-vision-and-mission']").click()
            page.locator(".bsc-form-scorecards").wait_for()
            assert "facilitator" in page.locator(".bsc-form-scorecards .bsc-role-note").inner_text()
            found = [m for m in (re.search(r"/api/kernels/([0-9a-f-]{36})/channels", u) for u in sockets) if m]
            assert found, sockets
            kernel = found[0].group(1)
            api = f"{room.base}/api/kernels/{kernel}"
            assert status_of(f"{api}?token={token['Ana']}", "DELETE") == 403
            assert status_of(f"{api}?token={token['Vera']}", "DELETE") == 403
            assert status_of(f"{api}?token={token['Ana']}") == 200  # the kernel still runs
            assert status_of(f"{room.base}/api/kernels/{'0' * 8}-0000-0000-0000-{'0' * 12}?token="
                             f"{token['Facilitator']}", "DELETE") == 404  # the facilitator may (no such kernel)
            assert status_of(f"{room.base}/lab?token={token['Ana']}") == 404  # no JupyterLab in the app
            got = page.evaluate(SEND_CODE, [f"{room.base.replace('http:', 'ws:')}/api/kernels/{kernel}/channels",
                                            f"open({str(proof)!r}, 'w').write('ran')"])
            assert "kernel_info_reply" in got and "execute_reply" not in got and "execute_input" not in got, got
            assert not proof.exists()
            assert watch.errors == [] and watch.external == [], (watch.errors, watch.external)  # no CSP violation
    finally:
        context.close()


def test_a_viewer_is_refused_an_edit_even_when_the_button_is_forced(browser: Any, room: Server,
                                                                     screenshots: Path) -> None:
    before = Store.open(room.store).read("objectives").set_index("objective_id").loc["F2"]
    context, page, watch = new_page(browser, (room.base,))
    try:
        with failure_screenshot(page, screenshots / "workshop-roles-viewer-FAILED.png", watch):
            form = open_as(page, links(room)["Vera"], "02-objectives-and-strategy-map", ".bsc-form-objectives")
            form.locator("select").first.select_option(label=f"F2 — {before['title']}")
            form.locator(".bsc-field-objective_id input").and_(page.locator("[disabled]")).wait_for()  # loaded
            save = button(form, "Save")
            assert save.is_disabled() and button(form, "Remove…").is_disabled()
            assert "viewer" in form.locator(".bsc-role-note").inner_text()
            form.locator(".bsc-field-title input").fill("A viewer's objective")
            save.evaluate("b => { b.disabled = false; b.click(); }")  # what a crafted page could send
            form.locator(".bsc-status").get_by_text("Not saved").wait_for()
            assert "joined as a viewer" in form.locator(".bsc-status").inner_text()
            assert form.locator(".bsc-field-title input").input_value() == "A viewer's objective", "typing is kept"
            page.screenshot(path=str(screenshots / "workshop-roles-viewer.png"))
            after = Store.open(room.store).read("objectives").set_index("objective_id").loc["F2"]
            assert (after["title"], after["revision"]) == (before["title"], before["revision"])
            assert watch.errors == [] and watch.external == [], (watch.errors, watch.external)  # map: no CSP error
    finally:
        context.close()


def test_named_participants_propose_and_vote_while_the_facilitator_accepts(browser: Any, room: Server,
                                                                           screenshots: Path) -> None:
    people = links(room)
    pages = {name: new_page(browser, (room.base,)) for name in ("Ana", "Ben", "Facilitator")}
    maps = {name: new_page(browser, (room.base,)) for name in ("Ana", "Ben")}  # each also has the map open
    try:
        _, page_f, watch_f = pages["Facilitator"]
        with failure_screenshot(page_f, screenshots / "workshop-roles-votes-FAILED.png", watch_f):
            for name, (_, page, _) in maps.items():
                open_as(page, people[name], "02-objectives-and-strategy-map", ".bsc-map .js-plotly-plot")
            steps = {name: open_as(page, people[name], STEP_7, ".bsc-proposals")
                     for name, (_, page, _) in pages.items()}
            page_f.locator(".lm-TabBar-tab", has_text="Vote and discuss").click()
            ranking = steps["Facilitator"].locator(".bsc-plot")
            for name in ("Ana", "Ben"):
                step, page = steps[name], pages[name][1]
                name_box = step.locator(".widget-text", has_text="Your name").locator("input")
                assert name_box.input_value() == name and name_box.is_disabled()
                step.locator(".widget-text", has_text="Title").locator("input").fill(f"{name}'s idea for customers")
                step.locator(".widget-dropdown", has_text="Perspective").locator("select").select_option(
                    label="Customer")
                button(step, "Propose").click()
                step.get_by_text(re.compile(r"Proposed cand-\d+")).wait_for()
            titles = Store.open(room.store).read("candidates").set_index("title")["candidate_id"]
            ana_id = str(titles["Ana's idea for customers"])
            for name in ("Ana", "Ben"):
                step, page = steps[name], pages[name][1]
                page.locator(".lm-TabBar-tab", has_text="Vote and discuss").click()
                ballot = step.locator(".bsc-ballot")
                # Each page first shows the others' last save (live): a refresh replaces the ballot's boxes,
                # and dots typed into a box that is being replaced may be lost before they reach the kernel.
                ballot.get_by_text("Ben's idea for customers").wait_for()
                if name == "Ben":
                    ballot.get_by_text(re.compile(r"\b2 dots so far")).wait_for()
                ballot.locator(".widget-inline-hbox", has_text=ana_id).locator("input").fill("2")
                button(step, "Save my dots").click()
                step.get_by_text("dots left").wait_for()
            # the facilitator's ranking chart, open since before the proposals, shows them with their dots (live)
            ranking.locator(".main-svg").filter(has_text=ana_id).first.wait_for()
            page_f.screenshot(path=str(screenshots / "workshop-roles-ranking.png"))
            page_a = pages["Ana"][1]
            page_a.locator(".lm-TabBar-tab", has_text="Decide").click()
            assert button(steps["Ana"], "Accept into the plan").is_disabled()
            store = Store.open(room.store)
            cand = store.read("candidates").set_index("title")
            ben_id = cand.loc["Ben's idea for customers", "candidate_id"]
            assert cand.loc["Ben's idea for customers", "proposed_by"] == "Ben"
            votes = store.read("votes").set_index(["candidate_id", "voter"])
            assert votes.loc[(ana_id, "Ana"), "dots"] == 2 and votes.loc[(ana_id, "Ben"), "dots"] == 2
            step_f = steps["Facilitator"]
            page_f.locator(".lm-TabBar-tab", has_text="Decide").click()
            choice = step_f.locator(".widget-dropdown", has_text="Candidate").locator("select")
            deadline = time.monotonic() + 30  # the facilitator's page shows the new candidates live
            while time.monotonic() < deadline and choice.locator("option", has_text=f"{ana_id} — ").count() == 0:
                time.sleep(0.5)
            choice.select_option(label=choice.locator("option", has_text=f"{ana_id} — ").first.inner_text())
            button(step_f, "Accept into the plan").click()
            step_f.get_by_text(f"Accepted {ana_id} into the plan").wait_for()
            page_f.screenshot(path=str(screenshots / "workshop-roles-votes.png"))
            entry = Store.open(room.store).history("objectives").iloc[0]
            assert entry["user"] == "Facilitator" and f"accepted {ana_id}, proposed by Ana" in entry["operation"]
            assert Store.open(room.store).read("candidates").set_index("candidate_id").loc[
                ana_id, "decided_by"] == "Facilitator"
            assert ben_id != ana_id
            accepted = Store.open(room.store).read("candidates").set_index("candidate_id").loc[ana_id, "accepted_as"]
            for _, page, _ in maps.values():  # the accepted objective on each participant's map, no reload
                page.locator(".bsc-map .js-plotly-plot").filter(has_text=str(accepted)).first.wait_for()
            maps["Ana"][1].screenshot(path=str(screenshots / "workshop-roles-accepted-on-map.png"))
            assert all(watch.external == [] and watch.errors == [] for _, _, watch in pages.values()), \
                [watch.errors for _, _, watch in pages.values()]  # the ranking chart: no CSP violation
    finally:
        for context, _, _ in [*pages.values(), *maps.values()]:
            context.close()
