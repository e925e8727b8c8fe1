"""SMART checks of KPIs and their targets: Measurable, Achievable and Time-bound."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model.calculated import calculated_rows
from ..model.periods import PER_YEAR, PERIOD_NOUNS, last_day, parse_period, period_containing, period_index
from ..model.words import capitalised, percent, plural
from .context import Context, bools, number_text, over, with_periods


def goal_targets(ctx: Context) -> pd.DataFrame:
    """Targets that set a goal, with their KPI, period columns and the scorecard's horizon."""
    kpis = ctx.f["kpis"][["kpi_id", "scorecard_id", "objective_id", "polarity", "frequency", "baseline",
                          "baseline_period", "name"]].drop_duplicates("kpi_id")
    tg = ctx.f["targets"][["kpi_id", "period", "target", "lower", "upper"]]
    tg = tg.merge(kpis, on="kpi_id", how="inner")
    ranged = bools(tg["polarity"] == "range")
    has_goal = np.where(ranged, bools(tg["lower"].notna() & tg["upper"].notna()), bools(tg["target"].notna()))
    tg = with_periods(tg[has_goal].reset_index(drop=True))
    tg = ctx.with_horizon(tg)
    after_start = bools(tg["p_end"] >= tg["h_start"]) | bools(tg["h_start"].isna())
    before_end = bools(tg["p_start"] <= tg["h_end"]) | bools(tg["h_end"].isna())
    return tg.assign(in_horizon=after_start & before_end & bools(tg["p_start"].notna()))


def kpis_with_targets_in_horizon(ctx: Context) -> set[str]:
    tg = ctx.targets
    return set(tg.loc[tg["in_horizon"].to_numpy(dtype=bool), "kpi_id"]) | computed_targets(ctx)


def computed_targets(ctx: Context) -> set[str]:
    """Calculated KPIs whose targets their expression computes (their inputs' targets are checked instead)."""
    kpis = ctx.f["kpis"]
    if "target_rule" not in kpis:
        return set()
    return set(kpis.loc[calculated_rows(kpis).to_numpy(dtype=bool) & bools(kpis["target_rule"] == "expression"),
                        "kpi_id"])


def check_kpis(ctx: Context) -> None:
    kpis = ctx.f["kpis"]
    if kpis.empty:
        return
    tg = ctx.targets
    inside = tg[tg["in_horizon"].to_numpy(dtype=bool)]
    outside = tg[~tg["in_horizon"].to_numpy(dtype=bool) & tg["p_start"].notna().to_numpy(dtype=bool)]
    last = inside.sort_values("p_end").drop_duplicates("kpi_id", keep="last").set_index("kpi_id")
    computed = computed_targets(ctx)
    for k in kpis.itertuples(index=False):
        sid, kid = k.scorecard_id, k.kpi_id
        if kid in computed:
            continue
        label = ctx.label("kpi", sid, kid)
        of = f" of {ctx.label('objective', sid, k.objective_id)}"
        unit = PERIOD_NOUNS.get(k.frequency, "period")
        if kid not in last.index:
            ctx.add("kpi-no-target", sid, kid,
                    f"{capitalised(label)}{of} has no target inside the horizon ({ctx.horizon_text(sid)}), so it "
                    "cannot be scored.",
                    f"Enter a target and a red flag for every {unit} of the horizon ({ctx.horizon_text(sid)}).")
        else:
            row = last.loc[kid]
            if pd.notna(row["h_end"]) and row["p_end"] < row["h_end"]:
                ctx.add("kpi-targets-end-early", sid, kid,
                        f"{capitalised(label)}{of} has targets only up to {row['period']}, but the horizon runs to "
                        f"{row['h_last']}; after that the plan says nothing about where the KPI should be.",
                        f"Add targets for every {unit} after {row['period']} up to {row['h_last']}.")
        own_outside = outside[bools(outside["kpi_id"] == kid)]
        if len(own_outside):
            examples = ", ".join(sorted(own_outside["period"].astype(str))[:3])
            ctx.add("kpi-target-outside-horizon", sid, kid,
                    f"{capitalised(label)} has {plural(len(own_outside), 'target')} outside the horizon "
                    f"({ctx.horizon_text(sid)}), e.g. {examples}.",
                    "Delete targets outside the plan period, or extend the scorecard's horizon if the plan really "
                    "runs longer.")


def _need(polarity: pd.Series, target: pd.Series, lower: pd.Series, upper: pd.Series,
          reference: pd.Series) -> pd.Series:
    """Change needed from ``reference`` in the improving direction (negative: already there)."""
    into_band = np.maximum(np.maximum(lower - reference, reference - upper), 0.0)
    values = np.select(
        [bools(polarity == "higher"), bools(polarity == "lower"), bools(polarity == "range")],
        [(target - reference).to_numpy(dtype=float), (reference - target).to_numpy(dtype=float),
         into_band.to_numpy(dtype=float)],
        default=np.nan,
    )
    return pd.Series(values, index=reference.index, dtype=float)


def _baseline_index(baseline_period: Any, frequency: Any) -> float:
    try:
        period = parse_period(baseline_period)
    except ValueError:
        return np.nan
    if frequency not in PER_YEAR:
        return np.nan
    return float(period_index(period_containing(last_day(period), str(frequency))))


def check_achievable(ctx: Context) -> None:
    cfg, f = ctx.config, ctx.f
    tg = ctx.targets
    if tg.empty:
        return
    tg = tg[bools(tg["freq"] == tg["frequency"])]
    kinfo = f["kpis"].drop_duplicates("kpi_id")
    frequency = dict(zip(kinfo["kpi_id"], kinfo["frequency"], strict=True))

    # History: the largest change per period between consecutive actuals of each KPI.
    act = with_periods(f["actuals"][["kpi_id", "period", "value"]])
    act = act[bools(act["freq"] == act["kpi_id"].map(frequency)) & bools(act["value"].notna())]
    act = act.assign(ord=act["ord"].astype("int64")).sort_values(["kpi_id", "ord"], kind="stable")
    steps = act.groupby("kpi_id", sort=False)
    act = act.assign(step=steps["value"].diff().abs() / steps["ord"].diff())
    history = act.groupby("kpi_id").agg(n_actuals=("value", "size"), max_step=("step", "max"),
                                        last_actual=("value", "last"))

    # Reference of each target: the latest actual before its period, else the baseline.
    base_ord = {k: _baseline_index(bp, fr) for k, bp, fr in
                zip(kinfo["kpi_id"], kinfo["baseline_period"], kinfo["frequency"], strict=True)}
    tg = tg.assign(ord=tg["ord"].astype("int64"))
    first = tg.groupby("kpi_id")["ord"].min() - 1
    base_ord_col = tg["kpi_id"].map(base_ord).astype(float).fillna(tg["kpi_id"].map(first).astype(float))
    tg = tg.assign(base_ord=base_ord_col).sort_values("ord", kind="stable")
    ref = act[["kpi_id", "ord", "value", "period"]].rename(
        columns={"ord": "ref_ord", "value": "ref_value", "period": "ref_period"}).sort_values("ref_ord")
    tg = pd.merge_asof(tg, ref, left_on="ord", right_on="ref_ord", by="kpi_id", allow_exact_matches=False,
                       direction="backward")
    tg = tg.join(history, on="kpi_id")
    tg["n_actuals"] = tg["n_actuals"].fillna(0).astype(int)
    from_actual = bools(tg["ref_value"].notna())
    use_base = ~from_actual & bools(tg["baseline"].notna()) & bools(tg["base_ord"] < tg["ord"])
    tg["ref_value"] = tg["ref_value"].astype(float).where(~use_base, tg["baseline"])
    tg["ref_ord"] = tg["ref_ord"].astype(float).where(~use_base, tg["base_ord"])
    tg["ref_kind"] = np.where(from_actual, "actual", np.where(use_base, "baseline", ""))

    # With history: change needed per period against the largest change seen.
    enough = bools(tg["n_actuals"] >= cfg.min_history)
    need = _need(tg["polarity"], tg["target"], tg["lower"], tg["upper"], tg["ref_value"])
    per_period = need / (tg["ord"] - tg["ref_ord"])
    limit = cfg.achievable_factor * tg["max_step"]
    flag_history = enough & bools(over(per_period, limit))

    # Without history: distance from the baseline (or the one actual) against a share of it.
    base = tg["baseline"].astype(float).fillna(tg["last_actual"].astype(float))
    need_base = _need(tg["polarity"], tg["target"], tg["lower"], tg["upper"], base)
    allowed = cfg.baseline_jump * base.abs()
    flag_base = ~enough & bools(over(need_base, allowed))

    tg = tg.assign(per_period=per_period, limit=limit, need_base=need_base, base=base,
                   ratio=np.where(flag_history, per_period / limit, need_base / allowed))
    flagged = tg[flag_history | flag_base]
    counts = flagged["kpi_id"].value_counts()
    worst = flagged.sort_values(["ratio", "ord"], ascending=[False, True]).drop_duplicates("kpi_id")
    for row in worst.itertuples(index=False):
        _report_achievable(ctx, row, int(counts[row.kpi_id]))

    no_base = tg[~enough & bools(base.isna())].drop_duplicates("kpi_id")
    for row in no_base.itertuples(index=False):
        ctx.add("kpi-no-baseline", row.scorecard_id, row.kpi_id,
                f"{capitalised(ctx.label('kpi', row.scorecard_id, row.kpi_id))} has targets but no baseline and "
                f"{plural(int(row.n_actuals), 'actual')}, so nobody can judge whether its targets are realistic.",
                "Enter the baseline (the value before the plan started, and its period), or record the actuals "
                "of the last periods.")


def _report_achievable(ctx: Context, row: Any, count: int) -> None:
    cfg = ctx.config
    sid, kid = row.scorecard_id, row.kpi_id
    label = f"{capitalised(ctx.label('kpi', sid, kid))} of {ctx.label('objective', sid, row.objective_id)}"
    goal = (f"band {number_text(row.lower)} to {number_text(row.upper)}" if row.polarity == "range"
            else f"target of {number_text(row.target)}")
    more = f" {plural(count - 1, 'more target')} {'is' if count == 2 else 'are'} like this." if count > 1 else ""
    unit = PERIOD_NOUNS.get(row.frequency, "period")
    if row.n_actuals >= cfg.min_history:
        if row.ref_kind == "actual":
            start = f"the actual of {number_text(row.ref_value)} in {row.ref_period}"
        else:
            start = f"the baseline of {number_text(row.ref_value)}"
        ctx.add("target-beyond-history", sid, kid,
                f"{label}: the {goal} for {row.period} needs an improvement of {number_text(row.per_period)} "
                f"per {unit} "
                f"from {start}, but the largest change per {unit} in its actuals so far is "
                f"{number_text(row.limit / cfg.achievable_factor)} — more than {cfg.achievable_factor:g} times that is "
                f"unlikely without a step change.{more}",
                "Check the target with the KPI owner: make it less steep, reach it over more periods, or name the "
                "initiative that makes the step change possible (and note it in the KPI's definition).")
        return
    where = {"higher": "above", "lower": "below"}.get(row.polarity, "away from")
    what = "band" if row.polarity == "range" else "target"
    base_text = "baseline" if pd.notna(row.baseline) else "only actual"
    if row.base == 0:
        size = f"is {number_text(row.need_base)} {where} a {base_text} of 0"
    else:
        size = f"lies {percent(row.need_base / abs(row.base))} {where} the {base_text} of {number_text(row.base)}"
    ctx.add("target-jump-from-baseline", sid, kid,
            f"{label} has no history yet ({plural(int(row.n_actuals), 'actual')}), and the {goal} for "
            f"{row.period} {size}; a {what} more than {percent(cfg.baseline_jump)} {where} the starting point is "
            f"rarely reached.{more}",
            "Check the target against what similar organisations or past years achieved; lower it or spread it over "
            "more periods, and record actuals so the trend can be judged.")
