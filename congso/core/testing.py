"""In-process HTTP for tests: a WSGI application that hands each request to Django's test handler.

httpx's ``WSGITransport`` over it lets an adapter and a simulator (or a simulator and the province's own
endpoints) talk real HTTP to each other inside the test process, on the test's database connection.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.test.client import ClientHandler


def wsgi_app(environ, start_response):
    handler = ClientHandler(enforce_csrf_checks=True)
    response = handler(environ)
    headers = [(k, v) for k, v in response.items()]
    for cookie in response.cookies.values():
        headers.append(("Set-Cookie", cookie.output(header="")))
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    if response.streaming:
        return response.streaming_content
    return [response.content]


# Browser tests drive Debian's chromium (never a downloaded browser) with these switches.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch_chromium(playwright):
    """Headless chromium for a browser test."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# ---- Accessibility (WCAG 2.1 AA) checked by the vendored axe-core (tools/vendor_axe.sh) -----------------------------
REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_BLOCKING_IMPACTS = ("serious", "critical")
ARTIFACTS_DIR = REPO_ROOT / "var" / "test-artifacts"


def axe_violations(page, tags=AXE_TAGS) -> list[dict]:
    """Run axe-core on the page as it is now, for the given WCAG tags; every violation, whatever its impact."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t),
                                          summary: n.failureSummary || ""})),
            }));
        }""",
        list(tags),
    )


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {', '.join(node['target'])}" + (f" — {summary}" if summary else ""))
    return "\n".join(lines)


def assert_accessible(page, name: str, *, area: str = "portal") -> Path:
    """Fail on every serious or critical WCAG 2.1 A/AA violation axe finds on the page; keep a full-page screenshot.

    The screenshot goes to ``var/test-artifacts/<area>/<name>.png`` whether the check passes or not, so a reviewer
    can look at what was checked (and at what failed). Returns the screenshot's path.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
    shot = ARTIFACTS_DIR / area / f"{safe}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    blocking = [v for v in axe_violations(page) if v["impact"] in AXE_BLOCKING_IMPACTS]
    if blocking:
        raise AssertionError(
            f"{len(blocking)} serious/critical accessibility violation(s) on {name} ({page.url}); "
            f"screenshot: {shot}\n{describe_violations(blocking)}"
        )
    return shot
