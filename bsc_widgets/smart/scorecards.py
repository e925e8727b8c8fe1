"""SMART checks of the scorecard as a whole, its perspectives and its objectives."""

from __future__ import annotations

from ..model.words import capitalised, percent, plural
from .context import TOLERANCE, Context, bools, has_period, present
from .kpis import kpis_with_targets_in_horizon


def check_scorecards(ctx: Context) -> None:
    cfg, f = ctx.config, ctx.f
    objectives, perspectives = f["objectives"], f["perspectives"]
    for card in f["scorecards"].itertuples(index=False):
        sid = card.scorecard_id
        label = ctx.label("scorecard", sid, sid)
        missing = [name for name, value in (("start", card.horizon_start), ("end", card.horizon_end))
                   if not has_period(value)]
        if missing:
            ctx.add("scorecard-no-horizon", sid, sid,
                    f"{capitalised(label)} has no horizon {' or '.join(missing)}, so nobody can say by when the "
                    "objectives are to be reached.",
                    "Enter the first and last period of the plan (e.g. horizon start 2026-01, end 2028-12); "
                    "then give every KPI targets up to the end.")
        own = objectives[bools(objectives["scorecard_id"] == sid)]
        persp = perspectives[bools(perspectives["scorecard_id"] == sid)].sort_values("position")
        total = len(own)
        if total > cfg.max_objectives:
            ctx.add("scorecard-too-many-objectives", sid, sid,
                    f"{capitalised(label)} has {total} objectives; more than {cfg.max_objectives} is too much to "
                    "steer by — "
                    "attention and money get spread too thin.",
                    "Merge overlapping objectives and move operational ones into department scorecards or "
                    "action plans, until the map fits on one page.")
        if persp.empty:
            ctx.add("scorecard-no-perspectives", sid, sid,
                    f"{capitalised(label)} has no perspectives, so its objectives cannot be balanced or placed on "
                    "a map.",
                    "Add perspectives (e.g. Financial, Customer, Internal Processes, Learning & Growth), "
                    "then place each objective in one of them.")
            continue
        counts = own["perspective_id"].value_counts()
        for p in persp.itertuples(index=False):
            plabel = ctx.label("perspective", sid, p.perspective_id)
            count = int(counts.get(p.perspective_id, 0))
            if count == 0:
                ctx.add("perspective-empty", sid, p.perspective_id,
                        f"{capitalised(plabel)} of {label} has no objective, so the scorecard is out of balance: "
                        "nothing says what this perspective must deliver.",
                        f"Agree at least one objective for {plabel}, or remove the perspective if the "
                        "organisation really does not need it.")
            elif count / total > cfg.max_perspective_share + TOLERANCE:
                ctx.add("perspective-overloaded", sid, p.perspective_id,
                        f"{capitalised(plabel)} holds {count} of the {total} objectives of {label} "
                        f"({percent(count / total)}); more than {percent(cfg.max_perspective_share)} in one "
                        "perspective means the strategy leans on one side.",
                        "Merge similar objectives in this perspective, or ask what the other perspectives must "
                        "deliver to make these happen.")


def check_objectives(ctx: Context) -> None:
    cfg, f = ctx.config, ctx.f
    obj, kpis, links = f["objectives"], f["kpis"], f["links"]
    if obj.empty:
        return
    words = obj["title"].astype("string").str.count(r"\S*\w\S*").fillna(0).astype(int)
    described = present(obj["description"])
    owned = present(obj["owner"])
    kpi_count = obj["objective_id"].map(kpis["objective_id"].value_counts()).fillna(0).astype(int)
    pairs = set(zip(f["perspectives"]["scorecard_id"], f["perspectives"]["perspective_id"], strict=True))
    in_perspective = [(s, p) in pairs for s, p in zip(obj["scorecard_id"], obj["perspective_id"], strict=True)]
    linked = set(links["cause"].dropna()) | set(links["effect"].dropna())
    in_map = obj["objective_id"].isin(linked).to_numpy(dtype=bool)
    supports = present(obj["supports"])
    parent_of = dict(zip(f["scorecards"]["scorecard_id"], f["scorecards"]["parent_id"], strict=True))
    targeted = kpis_with_targets_in_horizon(ctx)
    kpi_names = kpis.groupby("objective_id")["kpi_id"].agg(lambda s: ", ".join(sorted(map(str, s))))
    objective_targeted = set(kpis.loc[kpis["kpi_id"].isin(targeted).to_numpy(dtype=bool), "objective_id"])

    for i, o in enumerate(obj.itertuples(index=False)):
        sid, oid = o.scorecard_id, o.objective_id
        label = ctx.label("objective", sid, oid)
        if words.iloc[i] < cfg.min_title_words:
            ctx.add("objective-too-short", sid, oid,
                    f"The title of {label} has only {plural(int(words.iloc[i]), 'word')}: that is a label, "
                    "not a statement of what should change.",
                    f"Rewrite the title as a short statement of at least {cfg.min_title_words} words with a verb "
                    "and what should improve, e.g. \"Grow profitable revenue in our core markets\".")
        if not described.iloc[i]:
            ctx.add("objective-no-description", sid, oid,
                    f"{capitalised(label)} has no description, so people will read different things into it.",
                    "Add a sentence or two saying what will be different when the objective is reached, "
                    "for whom, and by when.")
        count = int(kpi_count.iloc[i])
        if count == 0:
            ctx.add("objective-no-kpi", sid, oid,
                    f"{capitalised(label)} has no KPI, so nobody can tell whether it is being reached.",
                    "Add at least one KPI that shows progress on this objective, with a baseline and a target "
                    "for each period of the horizon.")
        elif oid not in objective_targeted:
            ctx.add("objective-no-target", sid, oid,
                    f"{capitalised(label)} has {plural(count, 'KPI')} ({kpi_names.get(oid, '')}), but "
                    f"{'none of them has a' if count > 1 else 'it has no'} target inside the horizon "
                    f"({ctx.horizon_text(sid)}), so the objective cannot be scored.",
                    f"Enter targets for at least one of its KPIs for the periods {ctx.horizon_text(sid)}.")
        if count > cfg.max_kpis_per_objective:
            ctx.add("objective-too-many-kpis", sid, oid,
                    f"{capitalised(label)} has {count} KPIs; more than {cfg.max_kpis_per_objective} is too much "
                    "to steer "
                    "by and blurs what matters.",
                    "Keep the two or three KPIs that show best whether the objective is reached; move the "
                    "others to a department scorecard or an operational report.")
        if not owned.iloc[i]:
            ctx.add("objective-no-owner", sid, oid,
                    f"{capitalised(label)} has no owner, so nobody is accountable for reaching it.",
                    "Name one person (not a team) who answers for the objective in reviews.")
        if not in_perspective[i]:
            ctx.add("objective-no-perspective", sid, oid,
                    f"{capitalised(label)} is not in any perspective of its scorecard, so it has no place on the "
                    "strategy map.",
                    "Choose the perspective the objective belongs to (Financial, Customer, Internal Processes, "
                    "Learning & Growth, or your own names).")
        if not in_map[i] and not supports.iloc[i]:
            ctx.add("objective-isolated", sid, oid,
                    f"{capitalised(label)} is not linked to any other objective on the strategy map and supports no "
                    "parent objective, so it is unclear why it matters to the strategy.",
                    "Draw at least one cause-and-effect link: which objective does it drive, or which drives it? "
                    "If you find none, consider dropping it.")
        parent = parent_of.get(sid)
        if isinstance(parent, str) and parent and not supports.iloc[i]:
            ctx.add("objective-not-cascaded", sid, oid,
                    f"{capitalised(label)} belongs to a department scorecard but supports no objective of the parent "
                    f"scorecard '{parent}'.",
                    f"Pick the objective of scorecard '{parent}' that this one helps to reach (field 'supports').")
