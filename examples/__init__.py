"""Runnable examples built on odata_server."""
