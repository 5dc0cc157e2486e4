"""Handler modules, each exposing `handlers() -> list[BaseHandler]`; wired in one place by the app builder."""
