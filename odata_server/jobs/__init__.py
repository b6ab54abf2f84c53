"""Asynchronous requests (``Prefer: respond-async``): jobs, their store, their output, the workers."""
