"""How the tests and bench/startup.py start Debian's Chromium on these offline machines."""

# Without the networking flags Chromium keeps trying to reach Google's hosts, which this
# offline machine refuses (../shared/notes/browser-testing.md).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def is_healthy(url: str) -> bool:
    """Whether the Streamlit server at `url` answers `ok` on its health endpoint yet."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False
