"""The evaluator's code: `assistant eval` (DESIGN.md, "Eval cases").

Layer by layer, each module depends only on those above it:

    cases          the case format, loading, the hit rule, the two sets' files
    answer_checks  the clean-answer rule over an answer's text
    client         the tooling's one HTTP client (httpx): eval over HTTP, bench's load
    asking         asking a case in process or over HTTP; the region path
    metrics        per-case outcomes and the metrics over them, breakdowns, the decline sweep
    runs           a whole run (Run), comparing settings, the local and remote entry points
    gate           floors per set, recorded and checked (tests/evals/test_gate.py)
    compare        two saved runs: paired bootstrap intervals, changed cases
    names          Swedish names of metrics, kinds and tags
    charts         every SVG chart, the benchmark's too (one bar writer, one document)
    reporting      one run's Markdown, JSON and console summary
    comparison_report  two runs (or both sets) side by side

The development set (`evals/cases.jsonl`) is tuned on; the held-out set
(`evals/holdout.jsonl`) is only measured, and its reports never show a case.
"""
