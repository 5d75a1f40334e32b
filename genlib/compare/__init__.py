"""Compare models side by side (issue 13): one prompt sent to 2–6 models, each panel a normal
generation; the group, the analyst's pick (blind or not) and a per-model leaderboard.

model.py is core (the record and the rating, no storage); vaultpart.py wires it into the Vault.
"""
