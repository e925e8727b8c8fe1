"""Stakeholders in the store: propose, comment, vote within the dot budget, decide, sign off — with history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bsc_widgets.cli import main
from bsc_widgets.errors import BscValidationError, InputError
from bsc_widgets.model.collaboration import dots_left, plan_fingerprint, ranking, signoff_state
from bsc_widgets.store import Store, proposals


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_sample_ranks_its_candidates_by_dots(sample_store: Path) -> None:
    ranked = ranking(Store.open(sample_store).read_all(), "org")
    assert ranked["candidate_id"].tolist() == ["cand-3", "cand-1", "cand-2", "cand-4"]
    assert ranked["dots"].tolist() == [8, 6, 3, 0]
    assert ranked["voters"].tolist() == [3, 3, 2, 0]
    assert ranked.loc[0, "where"].startswith("measures P2")


def test_a_proposal_gets_the_next_id_and_records_who_proposed_it(sample_store: Path) -> None:
    store = Store.open(sample_store)
    new = proposals.propose(store, "org", "objective", "Run repair cafés in every store", perspective="customer",
                            user="Ann Berg")
    assert new == "cand-6"
    row = store.read("candidates").set_index("candidate_id").loc["cand-6"]
    assert (row["proposed_by"], row["status"], row["perspective_id"]) == ("Ann Berg", "proposed", "customer")
    assert store.history("candidates").iloc[0]["user"] == "Ann Berg"


def test_a_proposed_objective_needs_its_perspective_and_a_kpi_its_objective(sample_store: Path) -> None:
    store = Store.open(sample_store)
    with pytest.raises(BscValidationError) as caught:
        proposals.propose(store, "org", "objective", "Something", user="Ann")
    assert [(p.field, p.code) for p in caught.value.problems] == [("perspective_id", "candidate_incomplete")]
    with pytest.raises(BscValidationError) as caught:
        proposals.propose(store, "org", "kpi", "Something", objective="NOPE", user="Ann")
    assert [(p.field, p.code) for p in caught.value.problems] == [("objective_id", "unknown_reference")]
    assert len(store.read("candidates")) == 5  # nothing saved


def test_dots_stay_within_the_budget_and_can_be_taken_back(sample_store: Path) -> None:
    store = Store.open(sample_store)
    # Jonas gave 3 + 2 of his 5 dots in the sample.
    assert dots_left(store.read_all(), "org", "Store manager – Jonas Berg") == 0
    with pytest.raises(BscValidationError) as caught:
        proposals.vote(store, "cand-2", 1, voter="Store manager – Jonas Berg")
    assert caught.value.problems[0].code == "too_many_votes"
    assert "6, more than the 5" in caught.value.problems[0].message
    proposals.vote(store, "cand-3", 0, voter="Store manager – Jonas Berg")  # takes the 2 dots back
    proposals.vote(store, "cand-2", 2, voter="Store manager – Jonas Berg")
    frames = store.read_all()
    assert dots_left(frames, "org", "Store manager – Jonas Berg") == 0
    assert ranking(frames, "org").set_index("candidate_id")["dots"].to_dict()["cand-2"] == 5


def test_a_bigger_budget_lets_participants_give_more(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.upsert("scorecards", [{"scorecard_id": "org", "dot_votes": 8}])
    proposals.vote(store, "cand-2", 3, voter="Store manager – Jonas Berg")
    assert dots_left(store.read_all(), "org", "Store manager – Jonas Berg") == 0


def test_accepting_makes_an_objective_or_a_kpi_and_rejecting_needs_a_reason(sample_store: Path) -> None:
    store = Store.open(sample_store)
    outcome = proposals.decide(store, "cand-2", accept=True, user="Facilitator")
    assert (outcome.table, outcome.record_id) == ("objectives", "C4")
    objective = store.read("objectives").set_index("objective_id").loc["C4"]
    assert (objective["perspective_id"], objective["title"], objective["position"]) == (
        "customer", "Offer rental of tents and packs in the city stores", 4)
    outcome = proposals.decide(store, "cand-3", accept=True, user="Facilitator")
    assert outcome.table == "kpis"
    kpi = store.read("kpis").set_index("kpi_id").loc[outcome.record_id]
    assert (kpi["objective_id"], kpi["name"]) == ("P2", "Share of orders delivered next day")
    with pytest.raises(InputError, match="say why"):
        proposals.decide(store, "cand-1", accept=False)
    proposals.decide(store, "cand-1", accept=False, note="Later, when the workshop has tailors", user="Facilitator")
    cand = store.read("candidates").set_index("candidate_id")
    assert cand.loc["cand-1", "status"] == "rejected"
    assert (cand.loc["cand-2", "status"], cand.loc["cand-2", "accepted_as"]) == ("accepted", "C4")
    with pytest.raises(InputError, match="already accepted"):
        proposals.decide(store, "cand-2", accept=True)
    with pytest.raises(InputError, match="only proposed candidates"):
        proposals.vote(store, "cand-1", 1, voter="Ann")
    assert store.validate() == []


def test_a_signoff_keeps_the_plan_version_and_notices_a_later_change(sample_store: Path) -> None:
    store = Store.open(sample_store)
    proposals.sign_off(store, "org", user="Clara Finch")
    frames = store.read_all()
    state = signoff_state(frames, "org")
    assert state.loc[0, "signed_by"] == "Clara Finch" and bool(state.loc[0, "current"])
    assert json.loads(state.loc[0, "table_versions"])["objectives"] == store.version("objectives")
    assert state.loc[0, "plan_fingerprint"] == plan_fingerprint(frames, "org")
    # Progress (actuals, task status) is not the plan: the sign-off still holds.
    store.upsert("actuals", [{"kpi_id": "nps", "period": "2026Q4", "scorecard_id": "org", "value": 40}])
    assert bool(signoff_state(store.read_all(), "org").loc[0, "current"])
    # A changed objective is: the sign-off is of an earlier version now.
    store.upsert("objectives", [{"objective_id": "F1", "title": "Grow profitable revenue everywhere"}])
    assert not bool(signoff_state(store.read_all(), "org").loc[0, "current"])
    with pytest.raises(InputError, match="object to"):
        proposals.sign_off(store, "org", decision="object", user="Maria Lind")


def test_the_commands_propose_vote_decide_and_sign_off(sample_store: Path) -> None:
    where = str(sample_store)
    result = run("propose", "--store", where, "--scorecard", "org", "--kpi", "--title", "Repairs per store",
                 "--measures", "P4", "--user", "Ann")
    assert result.exit_code == 0 and "Proposed cand-6" in result.output
    assert run("vote", "--store", where, "cand-6", "3", "--voter", "Ann").output.strip().endswith("2 dots left.")
    refused = CliRunner().invoke(main, ["vote", "--store", where, "cand-1", "3", "--voter", "Ann"])
    assert refused.exit_code == 1 and "more than the 5" in refused.output
    assert run("comment", "--store", where, "cand-6", "Needs a definition of a repair", "--user", "Bo").exit_code == 0
    result = run("decide", "--store", where, "cand-6", "--accept", "--user", "Facilitator")
    assert "as KPI repairs-per-store" in result.output
    assert CliRunner().invoke(main, ["decide", "--store", where, "cand-9", "--accept"]).exit_code == 2
    assert run("signoff", "--store", where, "--scorecard", "org", "--user", "Clara").exit_code == 0
    listing = run("candidates", "--store", where, "--scorecard", "org").output
    assert "cand-6    3 dots from 1 person  [accepted] kpi: Repairs per store" in listing
    assert "Sign-off 1: Clara — approve" in listing and "(this plan" in listing
    rows = json.loads(run("candidates", "--store", where, "--scorecard", "org", "--format", "json").output)
    assert {r["candidate_id"]: r["comments"] for r in rows}["cand-6"] == 1
