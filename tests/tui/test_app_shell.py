"""The app opens with its four panes and switches between them by number."""

from __future__ import annotations

from textual.widgets import TabbedContent

from netlab.tui.app import NetlabApp


async def test_number_keys_switch_panes_and_q_quits() -> None:
    app = NetlabApp()
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "address"
        for key, pane in [("2", "lookup"), ("3", "client"), ("4", "servers"), ("1", "address")]:
            await pilot.press(key)
            assert tabs.active == pane
        await pilot.press("q")
    assert app.return_code == 0
