"""Spend budgets, the rate limit and spend alerts: the budgets file (config, edit), sentences
(use), admission of a generation (guard) and alerts (alerts).
"""
