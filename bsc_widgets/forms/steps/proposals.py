"""Step 7 — Propose, vote and sign off: every stakeholder in the room has a say.

Participants propose candidate objectives and KPIs, comment on them and give their dots;
the facilitator sees the ranking as a chart, accepts candidates into the plan (they become
objectives or KPIs) or rejects them with a reason; finally stakeholders sign off the plan
as it is (who, when, which version). Every action is a checked save
(:mod:`bsc_widgets.store.proposals`), so the store's history says who did what.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ...config import current_user
from ...errors import BscValidationError
from ...model.collaboration import dot_budget, dots_given, dots_left, ranking, signoff_state
from ...render.charts import vote_ranking
from ...roster import session
from ...store import proposals
from ..display import message, show_in, wide
from ..failures import show_failure
from ..fields import replace_options
from ..live import LiveStep, StoreWatch
from ..roles import lock, lock_decisions
from ..view import Viewable
from ..workshop import no_scorecard

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..workshop import Workshop

KINDS = [("Objective", "objective"), ("KPI", "kpi")]


def _wide(width: str = "100%") -> widgets.Layout:
    """A fresh layout for one widget (widgets must not share a Layout: resizing one would resize all)."""
    return widgets.Layout(width=width)


class ProposalsStep(LiveStep, Viewable):
    """Propose, discuss, vote, decide and sign off for the workshop's scorecard."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.figure: go.Figure | None = None
        self.ranked = pd.DataFrame()
        self.watch: StoreWatch | None = None
        self._lock = threading.RLock()  # the live refresh runs in another thread
        self._saved_dots: dict[str, int] = {}
        sid = workshop.scorecard_id
        if sid is None:
            self.widget: widgets.Widget = no_scorecard()
            return
        style = {"description_width": "9em"}
        member = session()  # in the app the server says who this is: the name cannot be changed
        self.name = widgets.Text(value=member.name if member else current_user(), description="Your name",
                                 style=style, layout=_wide("32em"), continuous_update=False,
                                 disabled=member is not None)
        self.name.observe(lambda _: self.refresh(), names="value")
        self.refresh_button = wide(widgets.Button(description="Show the latest", icon="refresh"))
        self.refresh_button.on_click(lambda _: self.refresh())
        # Propose
        self.kind = widgets.ToggleButtons(options=KINDS, description="Propose a", style=style)
        self.title = widgets.Text(description="Title", placeholder="e.g. Offer rental of tents in the city stores",
                                  style=style, layout=_wide())
        self.description = widgets.Textarea(description="Why", placeholder="Why it matters, or how it is measured",
                                            style=style, layout=_wide())
        self.perspective = widgets.Dropdown(description="Perspective", style=style, layout=_wide("32em"))
        self.objective = widgets.Dropdown(description="Measures", style=style, layout=_wide("40em"))
        self.propose_button = wide(widgets.Button(description="Propose", button_style="primary"))
        self.propose_message = widgets.HTML()
        self.kind.observe(lambda _: self._show_kind(), names="value")
        self.propose_button.on_click(lambda _: self._act(self._propose, self.propose_message))
        propose = widgets.VBox([self.kind, self.title, self.description, self.perspective, self.objective,
                                widgets.HBox([self.propose_button, self.propose_message])])
        # Vote and discuss
        self.chart = widgets.Output(layout=_wide())
        self.dots_info = widgets.HTML()
        self.ballot = widgets.VBox()
        self.dots: dict[str, widgets.BoundedIntText] = {}
        self._rows: dict[str, widgets.HBox] = {}  # one row per candidate, kept across refreshes
        self._labels: dict[str, widgets.HTML] = {}
        self.vote_button = wide(widgets.Button(description="Save my dots", button_style="primary"))
        self.vote_message = widgets.HTML()
        self.vote_button.on_click(lambda _: self._act(self._vote, self.vote_message))
        self.topic = widgets.Dropdown(description="Comment on", style=style, layout=_wide("40em"))
        self.comment_text = widgets.Textarea(description="Comment", style=style, layout=_wide())
        self.comment_button = wide(widgets.Button(description="Add comment"))
        self.comment_message = widgets.HTML()
        self.comment_button.on_click(lambda _: self._act(self._comment, self.comment_message))
        self.discussion = widgets.HTML()
        self.topic.observe(lambda _: self._show_discussion(), names="value")
        vote = widgets.VBox([self.dots_info, self.ballot, widgets.HBox([self.vote_button, self.vote_message]),
                             self.chart, widgets.HTML("<h4>Discussion</h4>"), self.topic, self.discussion,
                             self.comment_text, widgets.HBox([self.comment_button, self.comment_message])])
        # Decide (the facilitator)
        self.choice = widgets.Dropdown(description="Candidate", style=style, layout=_wide("40em"))
        self.note = widgets.Textarea(description="Note", placeholder="Why (needed to reject)", style=style,
                                     layout=_wide())
        self.accept_button = wide(widgets.Button(description="Accept into the plan", button_style="success"))
        self.reject_button = wide(widgets.Button(description="Reject", button_style="danger"))
        self.decide_message = widgets.HTML()
        self.accept_button.on_click(lambda _: self._act(lambda: self._decide(True), self.decide_message))
        self.reject_button.on_click(lambda _: self._act(lambda: self._decide(False), self.decide_message))
        self.decisions = widgets.HTML()
        decide = widgets.VBox([widgets.HTML("<p>The facilitator takes the candidates with most dots into the plan: an "
                                            "accepted objective or KPI appears in steps 2 and 3, ready to be "
                                            "completed.</p>"), self.choice, self.note,
                               widgets.HBox([self.accept_button, self.reject_button, self.decide_message]),
                               self.decisions])
        # Sign off
        self.signoffs = widgets.HTML()
        self.verdict = widgets.ToggleButtons(options=[("Approve the plan", "approve"), ("Object", "object")],
                                             description="I", style={"description_width": "2em"})
        self.sign_note = widgets.Textarea(description="Note", placeholder="A condition, or what you object to",
                                          style=style, layout=_wide())
        self.sign_button = wide(widgets.Button(description="Sign off", button_style="primary"))
        self.sign_message = widgets.HTML()
        self.sign_button.on_click(lambda _: self._act(self._sign, self.sign_message))
        sign = widgets.VBox([self.signoffs, self.verdict, self.sign_note,
                             widgets.HBox([self.sign_button, self.sign_message])])
        lock("candidates", [self.propose_button], self.propose_message)
        lock("votes", [self.vote_button], self.vote_message)
        lock("discussion", [self.comment_button], self.comment_message)
        lock("signoffs", [self.sign_button], self.sign_message)
        lock_decisions([self.accept_button, self.reject_button], self.decide_message)
        self.tabs = widgets.Tab(children=[propose, vote, decide, sign])
        for i, name in enumerate(("Propose", "Vote and discuss", "Decide", "Sign off")):
            self.tabs.set_title(i, name)
        self.widget = widgets.VBox([widgets.HBox([self.name, self.refresh_button]), self.tabs])
        self.widget.add_class("bsc-proposals")
        self.ballot.add_class("bsc-ballot")
        self.refresh()
        self._show_kind()

    # ----------------------------------------------------------------- helpers
    @property
    def who(self) -> str:
        """The participant's name: in the app the member the server named, else as typed (default: the login)."""
        member = session()
        return member.name if member is not None else self.name.value.strip() or current_user()

    def _act(self, action: Callable[[], str], where: widgets.HTML) -> None:
        """Run a save; show its confirmation, or the store's message (what was typed stays)."""
        try:
            with self._lock:
                done = action()
        except BscValidationError as error:
            where.value = message("Not saved: " + " ".join(f"{p.message}. {p.fix[:1].upper()}{p.fix[1:]}."
                                                           for p in error.problems), ok=False)
            return
        except Exception as error:  # every failure becomes a message next to the button; nothing typed is lost
            show_failure(where, error, self.workshop.store.location)
            return
        self.refresh()
        where.value = message(done)

    def _show_kind(self) -> None:
        objective = self.kind.value == "objective"
        self.perspective.layout.display = None if objective else "none"
        self.objective.layout.display = "none" if objective else None

    # ----------------------------------------------------------------- actions
    def _propose(self) -> str:
        new_id = proposals.propose(self.workshop.store, str(self.workshop.scorecard_id), self.kind.value,
                                   self.title.value, description=self.description.value.strip() or None,
                                   perspective=self.perspective.value, objective=self.objective.value,
                                   user=self.who)
        self.title.value = self.description.value = ""
        return f"Proposed {new_id}. Everyone can now vote for it."

    def _vote(self) -> str:
        frames = self.workshop.frames()
        sid = str(self.workshop.scorecard_id)
        mine = dots_given(frames, sid, self.who)
        changed = {c: int(box.value) for c, box in self.dots.items() if int(box.value) != mine.get(c, 0)}
        # Take dots back first, so that moving dots between candidates stays within the budget.
        for candidate_id, dots in sorted(changed.items(), key=lambda item: item[1] - mine.get(item[0], 0)):
            proposals.vote(self.workshop.store, candidate_id, dots, voter=self.who)
        left = dots_left(self.workshop.frames(), sid, self.who)
        return f"Saved: {left} dot{'' if left == 1 else 's'} left." if changed else "Nothing changed."

    def _comment(self) -> str:
        if not self.topic.value:
            return "Pick a candidate first."
        proposals.comment(self.workshop.store, self.topic.value, self.comment_text.value, user=self.who)
        self.comment_text.value = ""
        return "Comment added."

    def _decide(self, accept: bool) -> str:
        if not self.choice.value:
            return "Pick a candidate first."
        outcome = proposals.decide(self.workshop.store, self.choice.value, accept=accept,
                                   note=self.note.value.strip() or None, user=self.who)
        self.note.value = ""
        if outcome.status == "accepted":
            kind = "objective" if outcome.table == "objectives" else "KPI"
            return f"Accepted {outcome.candidate_id} into the plan as {kind} {outcome.record_id}."
        return f"Rejected {outcome.candidate_id}."

    def _sign(self) -> str:
        proposals.sign_off(self.workshop.store, str(self.workshop.scorecard_id), decision=self.verdict.value,
                           note=self.sign_note.value.strip() or None, user=self.who)
        self.sign_note.value = ""
        return "Signed. Thank you."

    # ----------------------------------------------------------------- showing
    def refresh(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        """Re-read the store: options, ballot, ranking chart, discussion, decisions and sign-offs.

        Called after each save here and, live, when someone else saved (:class:`StoreWatch`); dots typed
        but not saved yet, and every text being typed, are kept.
        """
        # After its own save the step has read the store: the watch need not show it again. Stamped before
        # reading, so that a save landing meanwhile still shows (a live refresh passes frames: the watch knows).
        own = self.watch is not None and frames is None
        stamp = self.watch.stamp() if own and self.watch is not None else None
        with self._lock:
            self._refresh(frames)
        if own and self.watch is not None:
            self.watch.seen_now(stamp)

    def _refresh(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        frames = frames if frames is not None else self.workshop.frames()
        sid = str(self.workshop.scorecard_id)
        self.frames = frames
        persp = frames["perspectives"]
        persp = persp[(persp["scorecard_id"] == sid).to_numpy(dtype=bool)].sort_values("position")
        self.perspective.options = [(str(n), str(p)) for p, n in zip(persp["perspective_id"], persp["name"],
                                                                      strict=True)]
        obj = frames["objectives"]
        obj = obj[(obj["scorecard_id"] == sid).to_numpy(dtype=bool)].sort_values("objective_id")
        self.objective.options = [(f"{o} — {t}", str(o)) for o, t in zip(obj["objective_id"], obj["title"],
                                                                       strict=True)]
        self.ranked = ranking(frames, sid)
        open_ = self.ranked[(self.ranked["status"] == "proposed").to_numpy(dtype=bool)]
        # The drop-downs list candidates in the order they were proposed, not by rank: a drop-down tells the kernel
        # which option was picked by its position, and the ranking reorders as votes come in, so a participant's
        # pick could land on another candidate if the list were re-sorted while it travels.  New ones go last.
        order = {c: i for i, c in enumerate(_proposal_order(frames["candidates"], sid))}
        listed = self.ranked.sort_values("candidate_id", key=lambda ids: ids.map(order), kind="stable")
        labels = [(f"{r.candidate_id} — {r.title}", str(r.candidate_id)) for r in listed.itertuples()]
        self._set_options(self.topic, labels)
        self._set_options(self.choice, [(f"{r.candidate_id} — {r.title} ({r.dots} dots)", str(r.candidate_id))
                                        for r in listed.itertuples() if r.status == "proposed"])
        self._ballot(frames, sid, open_)
        self.figure = vote_ranking(self.ranked)
        show_in(self.chart, self.figure)
        self._show_discussion()
        decided = self.ranked[(self.ranked["status"] != "proposed").to_numpy(dtype=bool)]
        cand = frames["candidates"].set_index("candidate_id")
        rows = "".join(
            f"<li><b>{html.escape(str(r.candidate_id))}</b> {html.escape(str(r.title))}: {r.status}"
            + (f" as {html.escape(str(cand.at[r.candidate_id, 'accepted_as']))}" if r.status == "accepted" else "")
            + _note(cand.at[r.candidate_id, "decision_note"]) + "</li>" for r in decided.itertuples())
        self.decisions.value = f"<h4>Decided</h4><ul>{rows}</ul>" if rows else "<p>Nothing decided yet.</p>"
        self.signoffs.value = _signoff_html(signoff_state(frames, sid))

    @staticmethod
    def _set_options(dropdown: widgets.Dropdown, options: list[tuple[str, str]]) -> None:
        replace_options(dropdown, options, dropdown.value)  # the pick stays, without passing by the first option

    def _ballot(self, frames: dict[str, pd.DataFrame], sid: str, open_: pd.DataFrame) -> None:
        """Bring the ballot up to date in place: a candidate's box is the same widget from one refresh to the next.

        A box whose value differs from what was saved is being typed in: it keeps its value; the others follow
        the store.  Boxes sync on every keystroke, and the rows are replaced only when candidates came or went,
        so a refresh while someone types loses neither the dots nor the focus.
        """
        budget = dot_budget(frames, sid)
        mine = dots_given(frames, sid, self.who)
        saved_before, self._saved_dots = self._saved_dots, mine
        boxes: dict[str, widgets.BoundedIntText] = {}
        for r in open_.itertuples():
            cid = str(r.candidate_id)
            box = self.dots.get(cid)
            if box is None:
                box = widgets.BoundedIntText(value=mine.get(cid, 0), min=0, max=budget, description=cid,
                                             continuous_update=True, layout=_wide("10em"),
                                             style={"description_width": "5em"})
                self._labels[cid] = widgets.HTML()
                self._rows[cid] = widgets.HBox([box, self._labels[cid]])
            else:
                box.max = max(budget, int(box.value))
                if int(box.value) == saved_before.get(cid, 0):  # not being typed in: follow the store
                    box.value = mine.get(cid, 0)
            self._labels[cid].value = (f"{html.escape(str(r.title))} <span style='color:#5b6770'>"
                                       f"({html.escape(str(r.where))}; {r.dots} dots so far)</span>")
            boxes[cid] = box
        changed = list(boxes) != list(self.dots) or not self.ballot.children
        self.dots = boxes
        for gone in set(self._rows) - set(boxes):
            del self._rows[gone], self._labels[gone]
        if changed:
            rows = [self._rows[cid] for cid in boxes]
            self.ballot.children = rows or [widgets.HTML("<p>No candidates open for votes yet: propose one.</p>")]
        left = budget - sum(mine.values())
        self.dots_info.value = (f"<p><b>{html.escape(self.who)}</b>, you have {budget} dots to give in all; "
                                f"{left} left. Put several on one candidate if it matters most to you.</p>")

    def _show_discussion(self) -> None:
        talk = self.frames["discussion"] if hasattr(self, "frames") else pd.DataFrame()
        if not self.topic.value or talk.empty:
            self.discussion.value = "<p>No comments yet.</p>"
            return
        mine = talk[(talk["candidate_id"] == self.topic.value).to_numpy(dtype=bool)].sort_values("number")
        items = "".join(f"<li><b>{html.escape(str(r.author))}</b>: {html.escape(str(r.text))}</li>"
                        for r in mine.itertuples())
        self.discussion.value = f"<ul>{items}</ul>" if items else "<p>No comments yet.</p>"

def _note(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else f" — {html.escape(str(value))}"


def _signoff_html(signed: pd.DataFrame) -> str:
    """Who signed the plan, newest first, and whether each signed the plan as it is now."""
    if signed.empty:
        return "<p>Nobody has signed off this plan yet.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(str(r.signed_by))}</td><td>{'approved' if r.decision == 'approve' else 'objected'}"
        f"{_note(r.note)}</td><td>{pd.Timestamp(r.signed_at):%Y-%m-%d %H:%M} UTC</td>"
        f"<td>{'this plan' if r.current else 'an earlier version of the plan'}</td></tr>"
        for r in signed.itertuples())
    return ("<table><tr><th>who</th><th>decision</th><th>when</th><th>signed</th></tr>" + rows + "</table>")


def _proposal_order(candidates: pd.DataFrame, scorecard: str) -> list[str]:
    """Ids of the scorecard's candidates in the order they were proposed."""
    own = candidates[(candidates["scorecard_id"] == scorecard).to_numpy(dtype=bool)]
    return [str(c) for c in own.sort_values(["proposed_at", "candidate_id"], kind="stable")["candidate_id"]]
