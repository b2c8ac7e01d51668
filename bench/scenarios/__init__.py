"""One module per scenario, each exposing ``SCENARIO``."""
