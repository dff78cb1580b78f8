"""The Address pane: the seeds' answers as you type, one-line errors, the bit grid, paging."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from netlab.tui.app import NetlabApp
from netlab.tui.panes.address import DASH, PAGE_SIZE, AddressPane
from netlab.tui.widgets.bitgrid import BitGrid
from netlab.tui.widgets.subnettable import Column, SubnetTable
from tests.tui.running import running
from tests.waits import until

SIZE = (100, 40)


def _pane(app: NetlabApp) -> AddressPane:
    return app.query_one(AddressPane)


async def _type(pilot: Pilot[None], text: str, *, keys: bool = False) -> AddressPane:
    """Put `text` in the address box, key by key as a person would if `keys`."""
    app = pilot.app
    assert isinstance(app, NetlabApp)
    address = app.query_one("#address-input", Input)
    address.focus()
    if keys:
        address.value = ""
        await pilot.press(*text)
    else:
        address.value = text
    await pilot.pause()
    return _pane(app)


def _message(app: NetlabApp, selector: str = "#address-message") -> str:
    return str(app.query_one(selector, Static).content)


async def test_typing_192_168_1_3_gives_ipv4mask_go_default_mask_and_network() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "192.168.1.3", keys=True)
        details = pane.details_text()
        assert pane.error is None
        assert "Mask hex: ffffff00" in details
        assert "Mask: 255.255.255.0" in details
        assert "Network: 192.168.1.0/24" in details
        assert "Default mask: /24  255.255.255.0  hex ffffff00" in details
        assert "none given: the default mask of class C" in details
        assert "Host count: 254" in details
        assert "Type: IPv4 · class C · private" in details


async def test_mask_go_ipv4_and_ipv6_answers() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        details = (await _type(pilot, "103.232.159.187 24 32")).details_text()
        assert "Mask hex: ffffff00" in details
        assert "Network: 103.232.159.0/24" in details
        assert "Prefix: /24  (24 ones of 32 bits)" in details

        _pane(app).query_one(
            "#address-input", Input
        ).value = "fda3:97c:1eb:fff0:5444:903a:33f0:3a6b 52 128"
        await pilot.pause()
        details = _pane(app).details_text()
        assert "Mask hex: fffffffffffff0000000000000000000" in details
        assert "Network: fda3:97c:1eb:f000::/52" in details
        assert "Prefix: /52  (52 ones of 128 bits)" in details


async def test_device_part_and_ipv6_split() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        details = (await _type(pilot, "192.168.1.3/16")).details_text()
        assert "Network: 192.168.0.0/16" in details
        assert "Device part: 0.0.1.3" in details

        pane = await _type(pilot, "FE80:CD00:0000:0CDE:1257:0000:211E:729C")
        details = pane.details_text()
        assert "Address: fe80:cd00:0:cde:1257:0:211e:729c" in details  # IP.go's String()
        assert "Network: fe80:cd00:0000\n" in details
        assert "Subnet: 0cde" in details
        assert "Device: 1257:0000:211e:729c" in details
        assert "Seed's split: fe80:cd00:0000:0cde | 1257 | 0000:211e:729c" in details
        assert "the seed's prose cuts 64/16/48" in details


async def test_invalid_input_shows_one_line_error_and_the_app_goes_on() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "192.168.01.3", keys=True)
        assert pane.error is not None
        assert "leading zero" in pane.error and "192.168.1.3" in pane.error
        message = app.query_one("#address-message", Static)
        # One sentence, wrapped rather than cut: what would be right is at its end.
        assert message.has_class("error") and message.size.height <= 2
        assert "write 192.168.1.3" in str(message.render())

        pane = await _type(pilot, "1.2.3.4/3")
        pane = await _type(pilot, "1.2.3.4/33")
        assert pane.error == "Prefix /33 is out of range for IPv4: use /0 to /32."
        # Nothing of /3's answer stays on screen under the error; examples do.
        assert pane.has_class("-stale")
        for part in ("#address-bits", "#address-details", "#split-row", "#split-table"):
            assert not pane.query_one(part).region, part
        assert pane.query_one("#address-examples").region

        pane = await _type(pilot, "10.1.2.3/8")
        assert pane.error is None and not pane.has_class("-stale")
        assert "Network: 10.0.0.0/8" in pane.details_text()


class TypedAtOnce(NetlabApp):
    """The app with an address typed before the pane's hidden parts are built."""

    async def _build_hidden_panes(self) -> None:
        pane = self.query_one(AddressPane)
        self.parts_then = [part.id for part in pane.query("#address-body > *")]
        pane.query_one("#address-input", Input).value = "192.168.1.3/16"
        await super()._build_hidden_panes()


async def test_an_address_typed_before_the_details_are_built_is_read_once_they_are() -> None:
    app = TypedAtOnce()
    async with running(app, size=SIZE):
        # The first frame has the examples alone under the input: the rest comes after.
        assert app.parts_then == ["address-examples"]
        pane = _pane(app)
        assert pane.error is None and pane.has_class("-address")
        assert "Network: 192.168.0.0/16" in pane.details_text()
        assert pane.query_one(BitGrid).region


async def test_empty_input_shows_a_hint_not_an_error() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = _pane(app)
        assert pane.error is None
        assert pane.has_class("-empty")
        await _type(pilot, "10.0.0.1")
        pane.query_one("#address-input", Input).value = "   "
        await pilot.pause()
        assert pane.error is None and pane.has_class("-empty")
        assert "Type an address" in _message(app)


async def test_markup_in_the_input_is_shown_as_text() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "[bold]1.2.3.4")
        assert pane.error is not None and "[bold]" in pane.error


async def test_bit_grid_colours_exactly_the_prefix_bits_as_network() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        for text, prefix, bits in [
            ("192.168.1.3/24", 24, 32),
            ("10.0.0.1/13", 13, 32),
            ("1.2.3.4/0", 0, 32),
            ("1.2.3.4/32", 32, 32),
            ("fda3:97c:1eb:fff0:5444:903a:33f0:3a6b 52 128", 52, 128),
            ("2001:db8::1/64", 64, 128),
        ]:
            pane = await _type(pilot, text)
            assert pane.bit_roles() == "n" * prefix + "d" * (bits - prefix), text
            grid = pane.query_one(BitGrid)
            drawn = grid.build(grid.size.width).plain
            assert f"network /{prefix} │ device {bits - prefix} bits" in drawn


class _GridApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BitGrid()


async def test_bit_grid_draws_the_cut_and_wraps_ipv6() -> None:
    async with _GridApp().run_test(size=(80, 12)) as pilot:
        grid = pilot.app.query_one(BitGrid)
        _check_grid(grid)


def _check_grid(grid: BitGrid) -> None:
    grid.show(0xC0A80103, 32, 26)
    lines = grid.build(80).plain.split("\n")
    assert lines[1] == "11000000.10101000.00000001.00│000011"
    assert lines[0].split() == ["192", "168", "1", "3"]
    grid.show(0x2001_0DB8 << 96, 128, 64)
    assert len(grid.build(80).plain.split("\n")) == 5  # 2 rows of 64 bits, the legend
    assert len(grid.build(40).plain.split("\n")) == 9  # 4 rows of 32 bits, the legend


async def test_clicking_a_bit_moves_the_prefix() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "192.168.1.3/24")
        grid = pane.query_one(BitGrid)
        # Row 1 of the grid is the bits: the 20th bit is column 19 + 2 separators.
        await pilot.click(grid, offset=(21, 1))
        await pilot.pause()
        assert pane.query_one("#address-input", Input).value == "192.168.1.3/20"
        assert "Network: 192.168.0.0/20" in pane.details_text()


async def test_split_10_8_into_32_pages_without_building_the_list() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "10.0.0.0/8", keys=True)
        await pilot.press("enter")  # to the split box
        assert app.focused is pane.query_one("#split-input", Input)
        await pilot.press(*"/32")
        await pilot.pause()
        started = time.perf_counter()
        pane.read_split("/32")  # what each key in the split box does: one page, not 2**24
        assert time.perf_counter() - started < 0.5
        await pilot.pause()
        table = pane.query_one("#split-table", SubnetTable)
        assert table.row_count == PAGE_SIZE
        label = _message(app, "#split-message")
        assert "16,777,216" in label
        assert label == f"10.0.0.0/8 into /32: subnets 1{DASH}50 of 16,777,216"
        assert str(table.get_row_at(0)[1]) == "10.0.0.0/32"

        await pilot.press("enter")  # to the table
        assert app.focused is table
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert pane.page_offset == PAGE_SIZE
        assert str(table.get_row_at(0)[1]) == "10.0.0.50/32"
        assert f"subnets 51{DASH}100 of 16,777,216" in _message(app, "#split-message")

        await pilot.press("right_curly_bracket")  # the last page
        await pilot.pause()
        assert str(table.get_row_at(table.row_count - 1)[1]) == "10.255.255.255/32"
        assert table.row_count == 16_777_216 % PAGE_SIZE
        assert pane.query_one("#split-next", Button).disabled

        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert table.row_count == PAGE_SIZE
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        assert pane.page_offset == 0
        assert pane.query_one("#split-prev", Button).disabled

        # PageDown on the last row of a page turns to the next page.
        table.move_cursor(row=PAGE_SIZE - 1)
        await pilot.press("pagedown")
        await pilot.pause()
        assert pane.page_offset == PAGE_SIZE and table.cursor_row == 0


async def test_split_ipv6_32_into_64_and_buttons_turn_pages() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "2001:db8::/32")
        pane.query_one("#split-input", Input).value = "/64"
        await pilot.pause()
        table = pane.query_one("#split-table", SubnetTable)
        assert table.row_count == PAGE_SIZE
        assert "of 4,294,967,296" in _message(app, "#split-message")
        pane.query_one("#split-next", Button).press()
        await pilot.pause()
        assert str(table.get_row_at(0)[1]) == "2001:db8:0:32::/64"


async def test_the_split_key_draws_the_table_with_the_split_row_on_top_in_one_frame() -> None:
    """The first frame after the key is the final one (issue #12): at 120 columns an IPv6
    network's details stack, so its table lands below what is shown and the body must
    scroll; the scroll comes with the layout that places the table, not a frame later."""
    app = NetlabApp()
    async with running(app, size=(120, 40)) as pilot:
        pane = await _type(pilot, "2001:db8::/32")
        await pilot.press("enter")  # to the split box
        await pilot.press(*"/6")  # not a split of a /32: no table yet
        await pilot.pause()
        table = pane.query_one("#split-table", SubnetTable)
        body = pane.query_one("#address-body")
        split_row = pane.query_one("#split-row")
        assert not table.display
        placed: list[tuple[int, int, int]] = []  # each frame: table rows, split row, body top

        def frame(*_: object) -> None:
            if table.display and table.region:
                placed.append((table.region.height, split_row.region.y, body.region.y))

        pilot.app.screen.screen_layout_refresh_signal.subscribe(pilot.app.screen, frame)
        await pilot.press("4")
        await until(pilot, lambda: placed, "a frame with the table")
        rows, split_y, body_y = placed[0]
        assert rows == table.styles.max_height.cells  # type: ignore[union-attr]
        assert split_y == body_y + 1  # on top, below its one-line margin
        await until(pilot, lambda: not body.is_anchored, "the body to let go of its end")
        # A person may scroll the body again: it no longer returns to its end.
        body.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert body.scroll_y == 0


async def test_an_address_error_hides_the_split_table_too() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "10.0.0.0/8")
        pane.query_one("#split-input", Input).value = "/24"
        await pilot.pause()
        table = pane.query_one("#split-table", SubnetTable)
        assert table.region and table.row_count == PAGE_SIZE
        pane = await _type(pilot, "10.0.0.0/33")
        assert pane.has_class("-stale") and not table.region
        pane = await _type(pilot, "10.0.0.0/8")
        assert table.region and table.row_count == PAGE_SIZE


class _TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield SubnetTable()

    def on_subnet_table_selected(self, event: SubnetTable.Selected) -> None:
        self.selected.append(event.row)


async def test_subnet_table_sizes_columns_to_their_widest_cell_and_moves_its_cursor() -> None:
    app = _TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SubnetTable)
        rows = [(str(n), f"10.0.{n}.0/24") for n in range(1, 21)]
        table.show((Column("#", right=True), Column("network")), rows)
        await pilot.pause()
        assert table.virtual_size.width == (2 + 2) + (len("10.0.10.0/24") + 2)
        assert table.row_count == 20 and table.get_row_at(9) == ["10", "10.0.10.0/24"]
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == 19 and table.scroll_y == table.max_scroll_y
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [19]
        table.show((Column("#", right=True),), [("1",)], cursor_at_end=True)
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_host_counts_and_split_errors() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "192.168.1.0/24")
        split = pane.query_one("#split-input", Input)
        split.value = "hosts: 100,50,10"
        await pilot.pause()
        table = pane.query_one("#split-table", SubnetTable)
        assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == [
            "192.168.1.0/25",
            "192.168.1.128/26",
            "192.168.1.192/28",
        ]
        split.value = "/33"
        await pilot.pause()
        message = pane.query_one("#split-message", Static)
        assert message.has_class("error")
        assert "/24 to /32" in str(message.content)
        split.value = "100"
        await pilot.pause()
        assert "hosts: 100" in str(message.content)


async def test_a_range_shows_its_cidr_blocks() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "10.0.0.5 - 10.0.0.20")
        assert pane.error is None and pane.has_class("-range")
        table = pane.query_one("#split-table", SubnetTable)
        blocks = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert blocks == [
            "10.0.0.5/32",
            "10.0.0.6/31",
            "10.0.0.8/29",
            "10.0.0.16/30",
            "10.0.0.20/32",
        ]
        assert "5 CIDR blocks" in _message(app)

        pane = await _type(pilot, "10.0.0.20 - 10.0.0.5")
        assert pane.error is not None and "starts after it ends" in pane.error


async def test_examples_fill_the_input() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+1", "tab")
        await pilot.press("enter")
        await pilot.pause()
        pane = _pane(app)
        assert pane.query_one("#address-input", Input).value == "192.168.1.3"
        assert "Mask hex: ffffff00" in pane.details_text()


async def test_small_terminal_still_works() -> None:
    app = NetlabApp()
    async with running(app, size=(80, 24)) as pilot:
        pane = await _type(pilot, "fda3:97c:1eb:fff0:5444:903a:33f0:3a6b 52 128")
        assert pane.error is None
        pane.query_one("#split-input", Input).value = "/64"
        await pilot.pause()
        assert pane.query_one("#split-table", SubnetTable).row_count == PAGE_SIZE


async def test_registry_labels_and_embedded_ipv4_are_shown() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        details = (await _type(pilot, "192.0.2.1")).details_text()
        assert "Type: IPv4 · class C · documentation" in details
        assert "Block: 192.0.2.0/24" in details
        assert "Purpose: documentation, TEST-NET-1 (RFC 5737)" in details
        assert "Reach: never forwarded by routers" in details
        assert "private" not in details

        details = (await _type(pilot, "8.8.8.8")).details_text()
        assert "Purpose: global unicast, in no special-purpose block" in details
        assert "Reach: globally reachable" in details
        assert "Block:" not in details and "IPv4 inside" not in details

        details = (await _type(pilot, "ff02::1")).details_text()
        assert "Type: IPv6 · multicast" in details
        assert "Block: ff02::/16" in details
        assert "Purpose: multicast, link-local scope, well-known (RFC 4291)" in details

        pane = await _type(pilot, "2001:0:4136:e378:8000:63bf:3fff:fdd2")
        details = pane.details_text()
        assert "Purpose: Teredo (RFC 4380)" in details
        assert f"Server: 65.54.227.120  (bits 32{DASH}63)" in details
        assert f"Client: 192.0.2.45  (bits 96{DASH}127, inverted)" in details
        assert f"Client port: 40000  (bits 80{DASH}95, inverted)" in details

        details = (await _type(pilot, "2002:c0e8:82e7:0:0:0:c0e8:82e7")).details_text()
        assert f"Site: 192.232.130.231  (bits 16{DASH}47)" in details
        details = (await _type(pilot, "64:ff9b::192.0.2.33")).details_text()
        assert "Host: 192.0.2.33  (the last 32 bits)" in details


async def test_a_wildcard_mask_is_labelled() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _type(pilot, "10.0.0.0/0.0.0.255")
        assert pane.error is None
        details = pane.details_text()
        assert "Prefix: /24  (24 ones of 32 bits)" in details
        assert "0.0.0.255 is a wildcard (host) mask, read as netmask 255.255.255.0 = /24" in (
            details
        )
        details = (await _type(pilot, "10.0.0.0/255.255.255.0")).details_text()
        assert "wildcard (host) mask" not in details


async def test_malformed_prefixes_are_one_line_errors() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        for typed, message in [
            (
                "10.0.0.0/ 24",
                "No space is allowed around the / in '10.0.0.0/ 24': write 10.0.0.0/24.",
            ),
            (
                "10.0.0.0 /24",
                "No space is allowed around the / in '10.0.0.0 /24': write 10.0.0.0/24.",
            ),
            ("10.0.0.0//24", "'10.0.0.0//24' has 2 slashes in a row: write 10.0.0.0/24."),
            ("10.0.0.0/-1", "Prefix /-1 is negative: use /0 to /32."),
        ]:
            pane = await _type(pilot, typed)
            assert pane.error == message
            assert pane.has_class("-stale")
        # Typed key by key, the space after the slash is an error as soon as it is typed.
        pane = await _type(pilot, "10.0.0.0/ 2", keys=True)
        assert pane.error is not None and "No space is allowed" in pane.error
