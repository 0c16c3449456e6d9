"""The Optimization Playground's sections: the advisor for the user's own trials
(:mod:`crucible_ui.optimization.trials_view`), its charts
(:mod:`crucible_ui.optimization.charts`) and the study file upload."""
