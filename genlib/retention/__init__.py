"""Retention (issue 14): the policy in the budgets document, pruning old generations into
tombstones that keep their cost, and the daily run."""
