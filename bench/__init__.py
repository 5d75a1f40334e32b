"""GenVault benchmarks (issue 4): the cost of saving every generation, measured against the raw
openai SDK and the `llm` library on the same loopback server, in the same run.

`python -m bench` (full, writes bench/results.json), `--quick` (under a minute), `--tiny` (the
test). Method and latest numbers: docs/PERFORMANCE.md.
"""
