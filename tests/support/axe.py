"""axe-core in a Playwright page: the serious and critical accessibility violations.

tests/support/axe.min.js is axe-core 4.14.1 from npm (`npm pack axe-core@4`), vendored
unchanged with its licence header (MPL-2.0). It is evaluated rather than added as a
<script> tag: the dashboard's CSP refuses inline scripts, and the test must not relax the
CSP of the page it checks."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).with_name("axe.min.js")
SEVERE = ("serious", "critical")


def severe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now, of impact serious or critical."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in violations if v["impact"] in SEVERE]


def describe(violations: list[dict]) -> str:
    """One line per failing element: rule, target, axe's summary of what to fix."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{violation['id']} {node['target']}: {summary}")
    return "\n".join(lines)
