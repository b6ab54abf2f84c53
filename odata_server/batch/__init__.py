"""``$batch``: many requests in one, each sent through the pipeline."""
