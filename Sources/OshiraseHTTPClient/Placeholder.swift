// The HTTP client (libcurl): the push client's concurrent fan-out; see docs/alerts.md.
