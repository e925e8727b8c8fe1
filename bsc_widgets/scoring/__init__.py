"""Scoring: the 0-10 formulas (and their inverse), KPI results per review period, roll-ups, the review.

Imports :mod:`bsc_widgets.model` only (and the base modules).  :func:`score_review` is
the one entry point the command line, the forms, the reports and the exports use; the
rules are in docs/scoring.md.
"""

from .review import Review, score_review

__all__ = ["Review", "score_review"]
