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


# Screenshots are to show what a machine with Debian's fonts-noto-cjk as its only Japanese font
# draws (issue #13). This machine has other Japanese fonts too (IPA), so the browser is given a
# fontconfig that sees only Noto CJK and DejaVu (fonts-dejavu-core, on every Debian).
NOTO_CJK = "/usr/share/fonts/opentype/noto"  # where fonts-noto-cjk installs its fonts
BASE_FONTS = "/usr/share/fonts/truetype/dejavu"
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{noto}</dir>
  <dir>{base}</dir>
  <cachedir>{cache}</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
"""


def noto_cjk_only_env(folder) -> dict[str, str]:
    """The environment for a Chromium whose only Japanese font is Noto CJK (a fonts.conf in `folder`)."""
    import os
    from pathlib import Path

    folder = Path(folder)
    conf = folder / "fonts.conf"
    conf.write_text(FONTS_CONF.format(noto=NOTO_CJK, base=BASE_FONTS, cache=folder / "cache"), encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}
