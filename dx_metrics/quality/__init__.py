"""The data quality review: what a routine report's figures say about their own reliability.

It follows the WHO *Data Quality Review* toolkit (Module 1, 2017; metrics revised December
2020), built for routine health reports, whose dimensions fit the one-stop reports and
dossier logs of public administration as well. Metric numbers below are the toolkit's:

- **1a completeness of reporting**: reports received ÷ reports expected, per unit and overall,
  for each table kind and period length. Expected reports: with ``completeness.expected:
  registry``, every period for the units directly under the plan's unit that the registry has
  in force then (the toolkit's master list of facilities); with ``seen`` (the default, since a
  registry lists units that receive no dossier), the periods of that length the inputs cover for
  every unit that reported in any of them, and the registry's units that reported in none are
  named beside the review, not flagged.
- **1c completeness of indicator data**: a report whose count is missing, or zero where the
  unit's other reports (two at least) are all positive.
- **2a outliers**: *moderate* across the units of one parent in one period, by the modified
  z-score of Iglewicz and Hoaglin, M = 0.6745·(x − median)/MAD, flagged when |M| ≥ 3.5 (not
  judged when MAD is 0 or fewer than 5 units report); *extreme* within a unit's own series of
  one year, at least 3 sample standard deviations from its mean (which a series of fewer than
  11 values can never reach: such series are judged by 2b only).
- **2b consistency over time**: the value ÷ the mean of up to three preceding comparable
  periods (same length; the same season in earlier years when the inputs have it, else the
  periods just before), flagged outside 1 ± 33 %; and a unit whose ratio departs from its
  parent's ratio by more than 33 %.
- **2c consistency between related figures**: the dossiers pending at the end of one period
  are those carried over into the next (the closing stock is the next opening stock); a unit's
  self-reported figure against the same figure computed from its counts, flagged outside
  1 ± 10 % (the toolkit's band for related indicators); dossiers received online for a
  procedure the service catalogue says is not offered online.
- **Dossier logs** (not a DQR metric): months inside the span of the period's records with no
  dossier for a unit that has dossiers in other months; records received outside the plan's
  period; online dossiers resolved within minutes of receipt; bursts of online dossiers from one
  applicant or received by one account in a day (at least 10, and at least 5 times the unit's
  median per applicant or account and day). Each is a count with dossier codes, not a verdict.
- **4 denominators**: procedures with dossiers that the service catalogue (the denominator of
  the service indicators) does not list.

- **3 external comparison**: a unit's one-stop counts against another source's for the same
  unit and period (a plan input marked ``compare: true``, e.g. the national portal's export),
  flagged outside 1 ± 10 %, naming both sources.

Not implemented: 1b timeliness (no export carries the date a report was sent), 1d consistency
of completeness over years (the inputs of one plan hold one year), and the denominators of 4
other than the catalogue (population figures have no place in these reports).

Flags are warnings: the review informs a report, it never blocks it. Thresholds are data
(``settings.yaml``), each a default that ``review(settings=...)`` overrides.
"""
from dx_metrics.quality.review import FLAG_COLUMNS, Review, load_settings, review

__all__ = ["FLAG_COLUMNS", "Review", "load_settings", "review"]
