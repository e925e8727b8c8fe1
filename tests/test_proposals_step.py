"""The workshop's step 7 (propose, vote, decide, sign off) and the report's sign-off section, on the sample."""

from __future__ import annotations

from pathlib import Path

from plans import wait_for

from bsc_widgets.forms.live import follow
from bsc_widgets.forms.workshop import Workshop
from bsc_widgets.reports import sections as rs
from bsc_widgets.store import Store, proposals

TODAY = "2026-10-15"


def test_a_participant_proposes_moves_dots_and_the_facilitator_accepts(sample_store: Path) -> None:
    step = Workshop(Store.open(sample_store), "org").proposals()
    step.name.value = "Head of Logistics – Tomasz Nowak"  # gave 4 + 1 of 5 dots in the sample
    step.refresh()
    assert "5 dots to give in all; 0 left" in step.dots_info.value
    assert {b.description for b in step.dots.values()} == {"cand-1", "cand-2", "cand-3"}
    step.kind.value, step.title.value, step.perspective.value = "objective", "Run repair cafés", "customer"
    step.propose_button.click()
    assert "Proposed cand-6" in step.propose_message.value
    assert step.title.value == ""  # ready for the next proposal
    # Moving dots: 4 from cand-3 to cand-6 in one save (taken back first, so within the budget).
    step.dots["cand-3"].value, step.dots["cand-6"].value = 0, 4
    step.vote_button.click()
    assert "0 dots left" in step.vote_message.value
    # One dot too many: refused with the rule in words, nothing saved, what was typed kept.
    step.dots["cand-1"].value = 1
    step.vote_button.click()
    assert "Not saved" in step.vote_message.value and "more than the 5 each participant has" in step.vote_message.value
    assert step.dots["cand-1"].value == 1
    ranked = step.ranked.set_index("candidate_id")
    assert ranked.loc["cand-6", "dots"] == 4 and ranked.loc["cand-3", "dots"] == 4
    assert next(iter(step.figure.data)).x[-1] == ranked["dots"].iloc[0]  # chart: most dots on top
    step.choice.value = "cand-6"
    step.accept_button.click()
    assert "Accepted cand-6 into the plan as objective C4" in step.decide_message.value
    assert "C4" in set(Store.open(sample_store).read("objectives")["objective_id"])
    step.choice.value = "cand-2"
    step.reject_button.click()
    assert "say why" in step.decide_message.value  # a rejection needs its reason
    step.note.value = "Not this year"
    step.reject_button.click()
    assert "Rejected cand-2" in step.decide_message.value
    assert "Not this year" in step.decisions.value


def test_a_stakeholder_signs_off_and_the_report_shows_it(sample_store: Path) -> None:
    store = Store.open(sample_store)
    step = Workshop(store, "org").proposals()
    assert "Nobody has signed off" in step.signoffs.value
    step.name.value = "Clara Finch"
    step.sign_button.click()
    assert "Signed" in step.sign_message.value
    assert "Clara Finch" in step.signoffs.value and "this plan" in step.signoffs.value
    proposals.sign_off(store, "org", decision="object", note="Targets for F3 too soft", user="Maria Lind")
    report = rs.open_review(str(sample_store), "org", "2026Q3", today=TODAY)
    body = rs.signoffs(report).body
    assert body.index("Maria Lind") < body.index("Clara Finch")  # newest first
    assert "objected" in body and "Targets for F3 too soft" in body and "this plan" in body
    assert "Plan signed off by 1 stakeholder; 1 objection" in rs.title(report).body
    store.upsert("objectives", [{"objective_id": "F1", "title": "Grow revenue in every market"}])
    later = rs.signoffs(rs.open_review(str(sample_store), "org", "2026Q3", today=TODAY)).body
    assert later.count("an earlier version") == 2


def test_a_version_map_from_before_the_new_tables_reads_them_as_empty(sample_store: Path) -> None:
    store = Store.open(sample_store)
    proposals.sign_off(store, "org", user="Clara Finch")
    old = {name: version for name, version in store.versions().items()
           if name not in {"candidates", "discussion", "votes", "signoffs"}}  # a results file of schema 4
    frames = store.read_all(versions=old)
    assert frames["signoffs"].empty and frames["votes"].empty
    assert len(frames["objectives"]) == len(store.read("objectives"))
    assert len(store.read_all()["signoffs"]) == 1



def test_another_participants_save_shows_without_a_reload_and_typing_is_kept(sample_store: Path) -> None:
    facilitator = Workshop(Store.open(sample_store), "org").proposals()
    facilitator.name.value = "CFO – Maria Lind"  # gave 2 of her 5 dots
    facilitator.dots["cand-2"].value = 3  # typing, not saved yet
    box = facilitator.dots["cand-2"]
    follow(facilitator, facilitator.workshop.store)  # what a page in a kernel gets (here the watch's own thread)
    participant = Workshop(Store.open(sample_store), "org").proposals()
    participant.name.value = "Ann Berg"
    participant.kind.value, participant.title.value, participant.perspective.value = (
        "objective", "Run repair cafés", "customer")
    participant.propose_button.click()
    participant.dots["cand-6"].value = 4
    participant.vote_button.click()
    assert wait_for(lambda: "cand-6" in set(facilitator.ranked["candidate_id"]))
    assert wait_for(lambda: facilitator.ranked.set_index("candidate_id").loc["cand-6", "dots"] == 4)
    assert "cand-6" in {v for _, v in facilitator.choice.options}
    assert facilitator.dots["cand-2"].value == 3  # what she typed is still there
    # ... in the very box on her screen: a refresh updates the ballot in place (a box replaced while the browser
    # still held typed dots lost them), and the box sends every keystroke to the kernel
    assert facilitator.dots["cand-2"] is box and box.continuous_update
    assert box in [row.children[0] for row in facilitator.ballot.children]
    assert facilitator.dots["cand-6"].value == 0  # not typed in: follows the store (she gave cand-6 nothing)
    assert facilitator.watch is not None and facilitator.watch.errors == []
    facilitator.watch.stop()


def test_the_facilitators_pick_stays_put_while_votes_reorder_the_ranking(sample_store: Path) -> None:
    """A drop-down tells the kernel which option was picked by its position: the candidates are listed in the
    order they were proposed (new ones last), so votes that reorder the ranking never move the facilitator's pick
    onto another candidate."""
    store = Store.open(sample_store)
    step = Workshop(store, "org").proposals()
    step.name.value = "Facilitator"
    step.refresh()
    before = [value for _, value in step.choice.options]
    step.choice.index = before.index("cand-1")  # what the browser sends: a position
    ranked_before = list(step.ranked["candidate_id"])
    new = proposals.propose(store, "org", "objective", "Another idea", perspective="customer", user="Ben")
    proposals.vote(store, new, 5, voter="Ben")  # the newest candidate jumps to the top of the ranking
    step.refresh()
    after = [value for _, value in step.choice.options]
    ranked_after = [c for c in step.ranked["candidate_id"] if c in after]
    assert ranked_after.index(new) < len(ranked_after) - 1  # it jumped up the ranking: the ranking reordered
    assert ranked_after != after and [c for c in ranked_before if c in before] != before
    assert after == [*before, new]  # same positions, the new one last
    assert step.choice.value == "cand-1" and step.choice.index == before.index("cand-1")
    assert "(5 dots)" in dict((v, k) for k, v in step.choice.options)[new]
