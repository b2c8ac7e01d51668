"""One module per capability: run(stack, session) -> summary dict."""
