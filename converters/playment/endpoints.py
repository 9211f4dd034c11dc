"""Where the Playment jobs API is (kept apart from the client so the CLI starts without httpx)."""

DEFAULT_BASE_URL = "https://api.playment.io"
