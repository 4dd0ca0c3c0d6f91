"""axe-core in a Playwright page: inject the vendored axe.min.js (tests/e2e/assets/, `make test-assets`), run the
WCAG 2 A/AA and best-practice rules, and keep the serious and critical violations, described so that a failure
says where to look: the page, the theme, the rule, its help page, and the elements (CSS selectors) it flagged."""

from dataclasses import dataclass
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "assets" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "best-practice"]
# what a colour theme can change: in the second theme only these rules run (the structure is the same)
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
IMPACTS = ("serious", "critical")
MAX_NODES = 6  # selectors listed per rule and page; the count says how many more

_RUN = """async ([only, impacts]) => {
  const result = await axe.run(document, {runOnly: only, resultTypes: ["violations"]});
  return result.violations
    .filter((violation) => impacts.includes(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      url: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map((part) => (Array.isArray(part) ? part.join(" >>> ") : part)).join(" "),
        summary: (node.failureSummary || "").split("\\n").slice(1, 3).join(" ").trim(),
      })),
    }));
}"""


@dataclass(frozen=True)
class Violation:
    where: str  # "/portal/frameworks/ (superuser, dark)"
    rule: str
    impact: str
    help: str
    url: str
    nodes: tuple[tuple[str, str], ...]  # (selector, what is wrong)

    def describe(self) -> str:
        lines = [f"{self.where}: {self.rule} ({self.impact}) {self.help} <{self.url}>"]
        lines += [f"    {target}  -- {summary}" for target, summary in self.nodes[:MAX_NODES]]
        if len(self.nodes) > MAX_NODES:
            lines.append(f"    … and {len(self.nodes) - MAX_NODES} more")
        return "\n".join(lines)


def axe_available() -> bool:
    return AXE_JS.is_file()


def axe_violations(page, where: str, colours_only: bool = False) -> list[Violation]:
    """The serious and critical violations of the page as it is now (axe injected once per document); with
    `colours_only`, only the rules a colour theme can change."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    only = {"type": "rule", "values": COLOUR_RULES} if colours_only else {"type": "tag", "values": TAGS}
    found = page.evaluate(_RUN, [only, list(IMPACTS)])
    return [
        Violation(
            where=where,
            rule=item["id"],
            impact=item["impact"],
            help=item["help"],
            url=item["url"],
            nodes=tuple((node["target"], node["summary"]) for node in item["nodes"]),
        )
        for item in found
    ]


def set_theme(page, theme: str) -> None:
    """Switch the page's colour theme as portal/theme.js does (data-theme on <html>) and let styles apply."""
    page.evaluate(
        "(theme) => theme === 'auto' ? document.documentElement.removeAttribute('data-theme')"
        " : document.documentElement.setAttribute('data-theme', theme)",
        theme,
    )
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
