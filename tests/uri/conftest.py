"""The per-rule summary of the OASIS ABNF conformance cases (``test_abnf_cases.py``).

Each case records its outcome in a session-wide table kept in ``config.stash``; at
the end of the run the table is printed: for each ABNF rule, how many cases passed,
failed or were out of scope.
"""

from __future__ import annotations

from collections import Counter

import pytest

OUTCOMES = ("passed", "failed", "out of scope")

_RESULTS = pytest.StashKey[dict[str, Counter[str]]]()


@pytest.fixture(scope="session")
def abnf_results(pytestconfig: pytest.Config) -> dict[str, Counter[str]]:
    """Rule → outcome → number of cases; filled by the conformance test."""
    if _RESULTS not in pytestconfig.stash:
        pytestconfig.stash[_RESULTS] = {}
    return pytestconfig.stash[_RESULTS]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, None)
    if not results:
        return
    write = terminalreporter.write_line
    terminalreporter.section("OASIS ABNF conformance cases per rule")
    width = max(len(rule) for rule in results)
    write(f"{'rule':<{width}}  {'passed':>6}  {'failed':>6}  {'out of scope':>12}")
    totals: Counter[str] = Counter()
    for rule in sorted(results, key=str.lower):
        counts = results[rule]
        totals.update(counts)
        write(f"{rule:<{width}}  {counts['passed']:>6}  {counts['failed']:>6}  {counts['out of scope']:>12}")
    write(f"{'total':<{width}}  {totals['passed']:>6}  {totals['failed']:>6}  {totals['out of scope']:>12}")
