"""The one registry of dashboard pages. ``Home.py`` turns it into ``st.navigation``;
the tests and the benchmark walk it too. Pure data: no Streamlit calls here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """A dashboard: its script, title, icon, URL path and the question it answers."""

    path: str
    title: str
    icon: str
    url_path: str
    question: str

    @property
    def file(self) -> Path:
        """Absolute path of the page script."""
        return PROJECT_ROOT / self.path

    def exists(self) -> bool:
        """True when the page script is present."""
        return self.file.is_file()


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/ensemble.py", "Ensemble Reliability", ":material/how_to_vote:",
             "ensemble", "When does letting five models vote beat trusting the best one?"),
    PageSpec("pages/hedging.py", "Request Hedging", ":material/call_split:",
             "hedging", "How much does a backup request cut the slowest 1% of latencies, "
             "and what does it cost?"),
    PageSpec("pages/stats.py", "Statistical Comparison Lab", ":material/science:",
             "stats", "Is model B really better than model A, or is it noise?"),
    PageSpec("pages/trace.py", "Causal Trace Explorer", ":material/account_tree:",
             "trace", "Why did the model decide what it did, and where was it unsure?"),
    PageSpec("pages/monitoring.py", "Production Monitoring",
             ":material/monitor_heart:", "monitoring",
             "Has accuracy really dropped, or is today just a noisy day?"),
    PageSpec("pages/optimization.py", "Optimization Playground", ":material/tune:",
             "optimization", "Which temperature, token limit and few-shot count work best, "
             "and does the winner hold on new queries?"),
)


def existing_pages() -> list[PageSpec]:
    """The registered pages whose scripts exist, in registry order."""
    return [page for page in PAGES if page.exists()]
