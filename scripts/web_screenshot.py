"""Save the README's picture of netlab in a browser: `.venv/bin/python scripts/web_screenshot.py`.

`netlab web` on 127.0.0.1, headless Chromium (Debian's) on it, the key scenario typed
on the page as the browser tests type it, then the page saved as screenshots/web.png.
"""

from __future__ import annotations

import re
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the browser tests' driver, run from anywhere

from tests.e2e.browser import Tab, chromium  # noqa: E402
from tests.web.running import WebServer  # noqa: E402

OUT = ROOT / "screenshots" / "web.png"


def _echoed(line: str, screen: str) -> bool:
    """Sent and echoed in the transcript, received and sent in the log: four times."""
    return screen.count(line) >= 4


def main() -> None:
    server = WebServer()
    try:
        with chromium() as browser:
            tab = Tab(browser, server.url, width=1280, height=760).ready()
            tab.press("Alt+4")
            tab.wait_for("idle s", "the Servers view")
            tab.press("Enter")
            tab.wait_for(lambda screen: re.search(r"tcp/echo:\d+", screen), "the server")
            tab.press("Alt+5")
            tab.wait_for("127.0.0.1:", "the Client's address")
            tab.press("Enter")
            tab.wait_for("connected to", "the connection")
            for line in ("hello", "is anybody there?", "netlab speaks echo"):
                tab.type(line)
                tab.press("Enter")
                tab.wait_for(partial(_echoed, line), "the echo")
            tab.page.screenshot(path=str(OUT))
            tab.close()
    finally:
        server.stop()
    print(f"saved {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
