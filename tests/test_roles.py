"""Workshop roles: the roster and its tokens, the kernel's member, and the store refusing what a role may not do."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bsc_widgets import roster
from bsc_widgets.errors import NotAllowedError
from bsc_widgets.forms.steps.proposals import ProposalsStep
from bsc_widgets.forms.steps.start import StartHere
from bsc_widgets.forms.workshop import Workshop, identify, open_workshop
from bsc_widgets.model.permissions import refusal
from bsc_widgets.roster import FACILITATOR, PARTICIPANT, VIEWER, Member, Roster, make_roster, read_names
from bsc_widgets.store import Store, proposals

ANA = Member("1-ana", "Ana", PARTICIPANT)
VERA = Member("3-vera", "Vera", VIEWER)
LEAD = Member("0-lead", "Lead", FACILITATOR)


@pytest.fixture(autouse=True)
def nobody() -> Iterator[None]:
    """Each test starts (and ends) with a kernel serving nobody in particular."""
    roster.leave()
    yield
    roster.leave()


@pytest.fixture
def shop(sample_template: Path, tmp_path: Path) -> Store:
    """A fresh copy of the sample store."""
    shutil.copytree(sample_template, tmp_path / "store")
    return Store.open(tmp_path / "store")


def test_each_member_has_a_token_of_their_own_and_the_file_keeps_only_hashes(tmp_path: Path) -> None:
    members, tokens = make_roster([("Ana", PARTICIPANT), ("Ben", PARTICIPANT), ("Vera", VIEWER)],
                                  facilitator="Lead", facilitator_token="chosen-by-the-lead")
    assert [(m.name, m.role) for m in members.members] == [
        ("Lead", FACILITATOR), ("Ana", PARTICIPANT), ("Ben", PARTICIPANT), ("Vera", VIEWER)]
    assert len(set(tokens.values())) == 4
    assert tokens[members.members[0].id] == "chosen-by-the-lead"
    for member in members.members:
        assert members.find(tokens[member.id]) == member
    assert members.find("chosen-by-the-lead ") is None and members.find("") is None
    path = members.save(tmp_path / "roster.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert not any(token in text for token in tokens.values())
    assert Roster.load(path).find(tokens[members.members[2].id]).name == "Ben"  # type: ignore[union-attr]


def test_a_name_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="named twice"):
        make_roster([("Ana", PARTICIPANT), ("ana", VIEWER)])


def test_a_roster_file_lists_names_and_roles() -> None:
    assert read_names("# the room\nAna\nBen, viewer\n\nChloe , Participant\n") == [
        ("Ana", PARTICIPANT), ("Ben", VIEWER), ("Chloe", PARTICIPANT)]
    with pytest.raises(ValueError, match="line 2: 'boss' is not a role"):
        read_names("Ana\nBen, boss\n")


def test_the_kernel_serves_the_member_the_server_named(tmp_path: Path) -> None:
    members, _ = make_roster([("Ana", PARTICIPANT)], facilitator="Lead")
    path = str(members.save(tmp_path / "roster.json"))
    ana = members.members[1]
    env = {"BSC_ROSTER": path, "QUERY_STRING": f"bsc_member={ana.id}"}
    assert identify(env) == ana
    assert roster.session() == ana


def test_a_page_the_server_named_nobody_for_is_a_viewers(tmp_path: Path) -> None:
    members, _ = make_roster([("Ana", PARTICIPANT)], facilitator="Lead")
    path = str(members.save(tmp_path / "roster.json"))
    member = identify({"BSC_ROSTER": path, "QUERY_STRING": "name=Lead&role=facilitator"})
    assert member is not None and member.role == VIEWER
    assert identify({}) == member  # and it stays so


def test_without_a_roster_nothing_is_limited() -> None:
    assert identify({}) is None
    assert refusal(None, "objectives", ("objective_id",), [{"objective_id": "F1"}], []) is None


def test_what_each_role_may_change() -> None:
    key = ("candidate_id",)
    mine = {"candidate_id": "cand-9", "proposed_by": "Ana", "status": "proposed"}
    assert refusal(LEAD, "objectives", ("objective_id",), [{"objective_id": "F1"}], []) is None
    assert refusal(ANA, "candidates", key, [mine], []) is None
    assert "viewer" in str(refusal(VERA, "candidates", key, [mine], []))
    assert "facilitator" in str(refusal(ANA, "objectives", ("objective_id",), [{"objective_id": "F1"}], []))
    assert "own" in str(refusal(ANA, "candidates", key, [{**mine, "proposed_by": "Ben"}], []))
    assert "accepts or rejects" in str(refusal(ANA, "candidates", key, [{**mine, "status": "accepted"}], [mine]))
    vote = {"candidate_id": "cand-1", "voter": "Ana", "dots": 2}
    assert refusal(ANA, "votes", ("candidate_id", "voter"), [], [vote]) is None  # taking dots back
    assert "own" in str(refusal(ANA, "votes", ("candidate_id", "voter"), [], [{**vote, "voter": "Ben"}]))


def test_a_viewer_saves_nothing(shop: Store) -> None:
    roster.join(VERA)
    before = shop.read("candidates")
    with pytest.raises(NotAllowedError, match="viewer"):
        proposals.propose(shop, "org", "objective", "Open on Sundays", perspective="customer")
    assert len(shop.read("candidates")) == len(before)
    with pytest.raises(NotAllowedError):
        shop.upsert("objectives", [{"scorecard_id": "org", "objective_id": "C9", "perspective_id": "customer",
                                    "title": "Open on Sundays", "revision": 0}])


@pytest.mark.parametrize(("member", "locked"), [(VERA, True), (ANA, True), (LEAD, False), (None, False)])
def test_the_order_buttons_of_the_objectives_step_are_locked_for_whom_the_store_refuses(
        shop: Store, member: Member | None, locked: bool) -> None:
    if member is not None:
        roster.join(member)
    step = Workshop(shop, "org").objectives()
    assert step.up_button.disabled is locked and step.down_button.disabled is locked
    assert ("🔒" in step.order_status.value) is locked


def test_a_participant_proposes_votes_and_comments_in_their_own_name_but_does_not_decide(shop: Store) -> None:
    roster.join(ANA)
    new = proposals.propose(shop, "org", "objective", "Open on Sundays", perspective="customer", user="root")
    row = shop.read("candidates").set_index("candidate_id").loc[new]
    assert row["proposed_by"] == "Ana" and row["saved_by"] == "Ana"
    proposals.vote(shop, new, 2, voter="Ana")
    proposals.comment(shop, new, "Families shop on Sundays.")
    assert shop.read("discussion").iloc[-1]["author"] == "Ana"
    with pytest.raises(NotAllowedError, match="own"):
        proposals.vote(shop, new, 1, voter="Ben")
    with pytest.raises(NotAllowedError, match="facilitator"):
        proposals.decide(shop, new, accept=True)
    with pytest.raises(NotAllowedError, match="accepts or rejects"):
        proposals.decide(shop, new, accept=False, note="too costly")
    with pytest.raises(NotAllowedError, match="facilitator"):
        Store.create(Path(shop.location).parent / "another")
    assert not (Path(shop.location).parent / "another").exists()
    assert shop.history("candidates").iloc[0]["user"] == "Ana"


def test_history_names_who_proposed_and_who_accepted(shop: Store) -> None:
    roster.join(ANA)
    new = proposals.propose(shop, "org", "objective", "Open on Sundays", perspective="customer")
    roster.leave()
    roster.join(LEAD)
    outcome = proposals.decide(shop, new, accept=True, user="root")
    entry = shop.history("objectives").iloc[0]
    assert entry["user"] == "Lead"
    assert f"accepted {new}, proposed by Ana" in entry["operation"]
    assert outcome.record_id in entry["operation"]


def test_the_pages_lock_what_a_role_cannot_use(shop: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BSC_APP", "1")
    monkeypatch.chdir(tmp_path)
    roster.join(ANA)
    ws = open_workshop(shop.location, "org")
    step = ProposalsStep(ws)
    assert step.name.value == "Ana" and step.name.disabled
    assert step.accept_button.disabled and "facilitator" in step.decide_message.value
    assert not step.propose_button.disabled
    objectives = ws.objectives()
    assert objectives.objectives.save_button.disabled and "facilitator" in objectives.objectives.status.value
    start = StartHere(ws)
    start.location.value = str(tmp_path / "elsewhere")
    start.open_store()
    assert not (tmp_path / "elsewhere").exists()
    assert str(tmp_path) not in start.widget.children[1].value


def test_the_facilitator_opens_stores_only_under_the_chosen_folder(shop: Store, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BSC_APP", "1")
    monkeypatch.setenv("BSC_STORES_ROOT", str(tmp_path / "stores"))
    monkeypatch.setenv("BSC_APP_CHOICE", str(tmp_path / "choice.json"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stores").mkdir()
    roster.join(LEAD)
    start = StartHere(open_workshop(shop.location, "org"))
    start.location.value = str(tmp_path / "elsewhere")
    start.open_store()
    assert not (tmp_path / "elsewhere").exists() and "inside the folder" in start.store_status.value
    start.location.value = "../elsewhere"
    start.open_store()
    assert not (tmp_path / "elsewhere").exists()
    start.location.value = "rehearsal"
    start.load_sample()
    assert (tmp_path / "stores" / "rehearsal" / "store_info").is_dir()
    assert "rehearsal" in start.store_status.value and str(tmp_path) not in start.store_status.value
    assert open_workshop().store.location == str(tmp_path / "stores" / "rehearsal")  # every page opened after
