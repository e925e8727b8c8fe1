"""Plain renderings of a :class:`~bsc_widgets.review.Review` for the terminal and files."""

from __future__ import annotations

import math

import pandas as pd

from .review import Review


def review_as_records(review: Review) -> pd.DataFrame:
    """Every result row of every level in one table, with a ``level`` column first."""
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        types = {c: str for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
        types |= {c: "Int64" for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype)}
        return frame.astype(types)

    parts = [plain(frame).assign(level=level.rstrip("s")) for level, frame in review.tables().items()]
    out = pd.concat(parts, ignore_index=True)
    return out[["level", *[c for c in out.columns if c != "level"]]]


def _num(value: object, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def _pct(value: object) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{float(value):.0%}"  # type: ignore[arg-type]


def review_as_text(review: Review) -> str:
    """A readable report: per period and scorecard, the headline, perspectives, objectives and KPIs."""
    lines: list[str] = []
    for period in review.periods:
        for card in review.scorecards[review.scorecards["period"] == period].itertuples():
            sid = card.scorecard_id
            lines += [f"{card.name} [{sid}] — {period}",
                      f"Score {_num(card.score)} / 10 ({card.status}), coverage {_pct(card.coverage)}, "
                      f"change {_num(card.score_change)} ({card.trend or 'no previous score'})", ""]
            persp = review.perspectives
            persp = persp[(persp["period"] == period) & (persp["scorecard_id"] == sid)]
            objs = review.objectives
            objs = objs[(objs["period"] == period) & (objs["scorecard_id"] == sid)]
            kpis = review.kpis
            kpis = kpis[(kpis["period"] == period) & (kpis["scorecard_id"] == sid)]
            for p in persp.itertuples():
                lines.append(f"{p.name}: {_num(p.score)} ({p.status}), coverage {_pct(p.coverage)}, {p.trend}")
                for o in objs[objs["perspective_id"] == p.perspective_id].itertuples():
                    cascade = (f", departments {_num(o.cascade_score)}" if o.cascade_children else "")
                    lines.append(f"  {o.objective_id} {o.title}: {_num(o.score)} ({o.status}), "
                                 f"coverage {_pct(o.coverage)}{cascade}")
                    for k in kpis[kpis["objective_id"] == o.objective_id].itertuples():
                        d = int(k.decimals) if not pd.isna(k.decimals) else 1
                        goal = (f"band {_num(k.lower, d)}–{_num(k.upper, d)}" if k.polarity == "range"
                                else f"target {_num(k.target, d)}")
                        notes = []
                        if k.missing_sub_periods:
                            notes.append(f"{k.missing_sub_periods} of {k.sub_periods} missing")
                        if not k.due:
                            notes.append(f"not due, as of {k.as_of}")
                        extra = f" [{'; '.join(notes)}]" if notes else ""
                        lines.append(f"      {k.kpi_id}: {_num(k.actual, d)} vs {goal} → {_num(k.score)} "
                                     f"{k.status}, {k.trend or '—'}, forecast {k.forecast}{extra}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
