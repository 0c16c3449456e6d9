"""The lab's CSV source: a user's own per-item results, analysed like the experiment."""

from __future__ import annotations

import streamlit as st

from crucible_scenarios.stats import Comparison, compare, compare_many
from crucible_ui.stats.charts import estimate_bars, estimate_frame, latency_histogram
from crucible_ui.stats.csv_upload import EXAMPLE_CSV, UploadedResults, parse_results
from crucible_ui.stats.views import comparison_reports, show_comparison, show_power
from crucible_ui.text import escape_markdown
from crucible_ui.uploads import UploadError
from crucible_ui.widgets import download_buttons, seed_control, show_chart

N_BOOT = 10_000


@st.cache_data(show_spinner=False, max_entries=16)
def upload_analysis(data: bytes, alpha: float, alternative: str, seed: int
                    ) -> tuple[UploadedResults, Comparison | None, dict[str, str], object]:
    """Parse an uploaded file and analyse it (two groups: compare; more: compare_many)."""
    parsed = parse_results(data)
    labels = parsed.labels
    if len(labels) == 2:
        result = compare(parsed.groups[labels[0]], parsed.groups[labels[1]],
                         paired=parsed.paired, kind=parsed.kind, alpha=alpha,
                         alternative=alternative, n_boot=N_BOOT, seed=seed,
                         label_a=labels[0], label_b=labels[1],
                         metric="accuracy" if parsed.kind == "binary" else "value",
                         unit="points" if parsed.kind == "binary" else "")
        return parsed, result, comparison_reports(result), None
    many = compare_many(parsed.groups, kind=parsed.kind, paired=parsed.paired, alpha=alpha)
    return parsed, None, {}, many


def upload_view(alpha: float, alternative: str) -> None:
    """Analyse a user's own per-item results."""
    st.markdown(
        "Upload a CSV of per-item results: **two columns** (one per model, each row one "
        "item, analysed as paired), or a **long** file with `group` and `value` columns "
        "(add an `item` column to pair the groups). Values that are all 0/1 are treated as "
        "correct/incorrect; anything else as a continuous metric.")
    st.download_button("Example CSV", EXAMPLE_CSV, file_name="stats_example.csv",
                       mime="text/csv", key="example", icon=":material/download:",
                       on_click="ignore")
    upload = st.file_uploader("Per-item results (CSV)", type=["csv"], key="upload")
    seed = seed_control()
    if upload is None:
        st.info("No file yet: upload one to run the same analysis on your data.",
                icon=":material/upload_file:")
        return
    try:
        parsed, result, reports, many = upload_analysis(upload.getvalue(), alpha,
                                                         alternative, seed)
    except UploadError as exc:
        st.error(f"Cannot use this file: {exc}", icon=":material/error:")
        return
    design = "paired" if parsed.paired else "independent groups"
    st.caption(f"Read {len(parsed.labels)} groups ({design}, {parsed.kind} values).")
    labels = parsed.labels
    if result is not None:
        fmt = ".1%" if parsed.kind == "binary" else ".4g"
        show_chart(estimate_bars(
            estimate_frame((labels[0], labels[1]), (result.estimate_a, result.estimate_b),
                           (result.ci_a, result.ci_b)),
            title=f"{'Accuracy' if parsed.kind == 'binary' else 'Mean'} with "
                  f"{1 - alpha:.0%} confidence interval",
            value_title="accuracy" if parsed.kind == "binary" else "mean value",
            value_format=fmt))
        if parsed.kind == "continuous":
            a, b = parsed.groups[labels[0]], parsed.groups[labels[1]]
            show_chart(latency_histogram(a, b, (labels[0], labels[1]),
                                         title="Distribution of the values",
                                         x_title="value", log=False))
        show_comparison(result, reports, "stats_upload_report")
        show_power(result, parsed.kind)
    elif many is not None:
        st.markdown(f"**{escape_markdown(many.omnibus)}** across {len(labels)} groups: "
                    f"statistic {many.statistic:.4g}, p = {many.p_value:.3g}. "
                    f"{escape_markdown(many.reason)}")
        st.caption(f"Pairwise comparisons, p-values adjusted by "
                   f"{'Holm' if many.correction == 'holm' else 'Benjamini-Hochberg'}.")
        st.dataframe(many.pairwise, hide_index=True, width="stretch")
        download_buttons(many.pairwise, "stats_pairwise", key="pairs", label="pairwise tests")
