"""Readers of the files practitioners' tools already write (eval logs, traces, latency
logs, trial tables) into the scenarios' types.

Pure: a path, bytes or a file object in, validated objects out; never imports streamlit
or altair. One module per kind of file, each format detected and named. Every failure is
a :class:`crucible_io.limits.ReadError` (a ``ValueError``) naming file, line and field.
"""
