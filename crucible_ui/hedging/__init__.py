"""The Request Hedging page in parts: the mock latency view (:mod:`.mock`) with its
charts (:mod:`.mock_charts`), and the view of an uploaded latency log (:mod:`.log`) with
its charts (:mod:`.charts`)."""
