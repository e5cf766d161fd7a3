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
