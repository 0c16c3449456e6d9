"""Views of imported span traces on the Causal Trace Explorer: reading uploads
(:mod:`.upload`), the waterfall and breakdown charts (:mod:`.charts`) and the page
sections that draw them (:mod:`.views`)."""
