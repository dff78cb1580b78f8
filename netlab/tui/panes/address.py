"""The Address pane: IP.go, Mask.go and IPv4Mask.go as one calculator that answers as you type.

Everything shown comes from `netlab.core.addresses`; this module only lays it out. Text
from the core and from the person typing is always wrapped in Rich `Text`, never parsed
as markup. Subnet lists are paged: only the rows on screen are ever computed, so a /8
split into /32s (16,777,216 subnets) or an IPv6 /32 into /64s shows its first page at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from netlab.core.errors import InputError
from netlab.tui.panes.base import PaneCommand
from netlab.tui.panes.handoff import Target, TargetPane
from netlab.tui.widgets.bitgrid import BitGrid
from netlab.tui.widgets.field import Field
from netlab.tui.widgets.subnettable import Column, SubnetTable

if TYPE_CHECKING:
    # Imported as the pane finishes building (finish_building), after the first frame:
    # making its tables and classes was a twentieth of netlab's start.
    from netlab.core import addresses
    from netlab.core.addresses import AddressInfo, IPNetwork

DASH = "\u2013"
"""An en dash, between the ends of a range."""

PAGE_SIZE = 50
"""Rows of a subnet list computed and shown at a time."""

EMPTY_HINT = "Type an address, a mask or a range: the answer appears as you type."
SPLIT_HINT = (
    "Split this network: type a prefix such as /26, or host counts such as hosts: 100,50,10."
)

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("192.168.1.3", "IPv4Mask.go: class C and its default mask"),
    ("103.232.159.187 24 32", "Mask.go: 24 ones of 32 bits, mask ffffff00"),
    ("fda3:97c:1eb:fff0:5444:903a:33f0:3a6b 52 128", "Mask.go with IPv6"),
    ("FE80:CD00:0000:0CDE:1257:0000:211E:729C", "IP.go: the short form and the 48/16/64 split"),
    ("192.168.1.3/16", "the network and device parts"),
    ("10.0.0.0 255.0.0.0", "a dotted mask, or a wildcard: 0.0.0.255"),
    ("10.0.0.5 - 10.0.0.20", "a range as the fewest CIDR blocks"),
)

_SPLIT_WORD = re.compile(r"^split\s*:?\s*", re.IGNORECASE)
_PREFIX_TEXT = re.compile(r"^(/)?\s*([0-9]{1,3})$")
_HOSTS_TEXT = re.compile(r"^(hosts?\s*:?\s*)?([0-9]+(?:\s*,\s*[0-9]+)*)\s*,?$", re.IGNORECASE)


# -- what the subnet table lists -------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A list of networks that may be far too long to build: rows are fetched a page at a time."""

    heading: str
    noun: str
    count: int
    columns: tuple[Column, ...]
    fetch: Callable[[int, int], list[tuple[str, ...]]]
    first_host: Callable[[int], str]
    """The first host of the network in a row (counted from 0 over every page): what
    the keys that hand an address on act on while the table has the cursor."""


def _number(value: int) -> str:
    return f"{value:,}"


def _span(first: str, last: str) -> str:
    return f"{first} {DASH} {last}"


def split_listing(network: IPNetwork, new_prefix: int) -> Listing:
    """Equal subnets of `network`; nothing is computed until a page is fetched."""
    from netlab.core import addresses

    plan = addresses.split(network, new_prefix)

    def fetch(offset: int, limit: int) -> list[tuple[str, ...]]:
        return [
            (
                _number(number),
                row.network,
                _span(row.first_host, row.last_host),
                _number(row.hosts),
            )
            for number, row in enumerate(plan.page_text(offset, limit), start=offset + 1)
        ]

    return Listing(
        heading=f"{network} into /{new_prefix}",
        noun="subnet" if plan.count == 1 else "subnets",
        count=plan.count,
        columns=(
            Column("#", right=True),
            Column("network"),
            Column(f"hosts first {DASH} last"),
            Column("hosts", right=True),
        ),
        fetch=fetch,
        first_host=lambda index: plan.page_text(index, 1)[0].first_host,
    )


def hosts_listing(network: IPNetwork, counts: Sequence[int]) -> Listing:
    """Subnets sized for host counts, largest first (the plan itself is at most 4,096 long)."""
    from netlab.core import addresses

    plan = addresses.plan_for_hosts(network, counts)

    def fetch(offset: int, limit: int) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for allocation in plan[offset : offset + limit]:
            first, last, _ = addresses.host_range(allocation.network)
            rows.append(
                (
                    _number(allocation.index + 1),
                    _number(allocation.hosts_wanted),
                    str(allocation.network),
                    _span(first, last),
                    _number(allocation.hosts_usable),
                )
            )
        return rows

    wanted = sum(counts)
    return Listing(
        heading=f"{network} for {wanted:,} host{'' if wanted == 1 else 's'}",
        noun="subnet" if len(plan) == 1 else "subnets",
        count=len(plan),
        columns=(
            Column("#", right=True),
            Column("wanted", right=True),
            Column("network"),
            Column(f"hosts first {DASH} last"),
            Column("usable", right=True),
        ),
        fetch=fetch,
        first_host=lambda index: addresses.host_range(plan[index].network)[0],
    )


def range_listing(text: str) -> Listing:
    """The fewest CIDR blocks that cover "FIRST - LAST" (at most 254 of them)."""
    from netlab.core import addresses

    blocks = addresses.range_to_networks(text)
    first, last = addresses.parse_range(text)

    def fetch(offset: int, limit: int) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for number, block in enumerate(blocks[offset : offset + limit], start=offset + 1):
            rows.append(
                (
                    _number(number),
                    str(block),
                    _span(
                        addresses.canonical(block.network_address),
                        addresses.canonical(block.broadcast_address),
                    ),
                    _number(block.num_addresses),
                )
            )
        return rows

    return Listing(
        heading=f"{addresses.canonical(first)} {DASH} {addresses.canonical(last)}",
        noun="CIDR block" if len(blocks) == 1 else "CIDR blocks",
        count=len(blocks),
        columns=(
            Column("#", right=True),
            Column("block"),
            Column(f"first {DASH} last"),
            Column("addresses", right=True),
        ),
        fetch=fetch,
        # Every address of a block is in the range: its first is a host to reach.
        first_host=lambda index: addresses.canonical(blocks[index].network_address),
    )


def listing_for(network: IPNetwork, text: str) -> Listing | None:
    """Read the split box: "/26", "26", "hosts: 100,50,10" or "100,50,10"; None when empty."""
    text = _SPLIT_WORD.sub("", text.strip())
    if not text:
        return None
    bits = network.max_prefixlen
    prefix = _PREFIX_TEXT.match(text)
    if prefix:
        slash, number = prefix.groups()
        new_prefix = int(number)
        if new_prefix > bits and not slash:
            raise InputError(
                f"/{new_prefix} is longer than /{bits}: for {new_prefix} hosts write "
                f"hosts: {new_prefix}."
            )
        return split_listing(network, new_prefix)
    hosts = _HOSTS_TEXT.match(text)
    if hosts:
        counts = [int(item) for item in hosts.group(2).split(",")]
        return hosts_listing(network, counts)
    raise InputError(
        f"Cannot read {text!r}: write a prefix such as /26 or host counts such as hosts: 100,50,10."
    )


# -- the widgets -----------------------------------------------------------------------------


LABEL_WIDTH = 12
"""Wide enough for the longest label, "Default mask"."""


class InfoTable(Widget):
    """Sections of label and value rows, drawn with the theme's colours."""

    DEFAULT_CSS = """
    InfoTable {
        width: 1fr;
        height: auto;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "infotable--title",
        "infotable--label",
        "infotable--network",
        "infotable--device",
        "infotable--note",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sections: list[tuple[str, list[tuple[str, Text, str]]]] = []

    def show(self, sections: list[tuple[str, list[tuple[str, Text, str]]]]) -> None:
        """Sections of (label, value, role) rows; role is "", "network", "device" or "note"."""
        self._sections = sections
        self.refresh(layout=True)

    @property
    def plain(self) -> str:
        """The rows as "label: value" lines, for tests and copying."""
        return "\n".join(
            f"{label}: {value.plain}" if label else value.plain
            for _, rows in self._sections
            for label, value, _ in rows
        )

    def render(self) -> RenderableType:
        title = self.get_component_rich_style("infotable--title")
        label_style = self.get_component_rich_style("infotable--label")
        roles = {
            role: self.get_component_rich_style(f"infotable--{role}")
            for role in ("network", "device", "note")
        }
        parts: list[RenderableType] = []
        for number, (heading, rows) in enumerate(self._sections):
            if number:
                parts.append(Text())
            parts.append(Text(heading, style=title))
            # One label width for every section, so the values line up across them.
            table = Table.grid(padding=(0, 2), expand=False)
            table.add_column(width=LABEL_WIDTH, no_wrap=True, style=label_style)
            table.add_column(overflow="fold")
            for label, value, role in rows:
                shown = value.copy()
                if role:
                    shown.stylize(roles[role])
                table.add_row(Text(label), shown)
            parts.append(table)
        return Group(*parts)


class _Body(VerticalScroll):
    """The scrolling part of the pane: a Tab stop only when there is something to scroll."""

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0


# -- the pane --------------------------------------------------------------------------------


def _kind(info: AddressInfo) -> Text:
    parts = [f"IPv{info.version}"]
    if info.ipv4_class:
        parts.append(f"class {info.ipv4_class}")
    parts += [flag.replace("_", "-") for flag in info.flags]
    return Text(" · ".join(parts))


def _mask_line(mask: addresses.Mask) -> Text:
    return Text(f"/{mask.prefix}  {mask.dotted}  hex {mask.hex}")


def address_sections(info: AddressInfo) -> list[tuple[str, list[tuple[str, Text, str]]]]:
    """The address's forms and its mask, as the left column shows them."""
    forms: list[tuple[str, Text, str]] = [("Address", Text(info.address), "")]
    if info.exploded != info.address:
        forms.append(("Exploded", Text(info.exploded), ""))
    forms += [
        ("Integer", Text(str(info.integer)), ""),
        ("Hex", Text(info.hex), ""),
    ]
    if info.version == 4:
        # IPv6's 128 bits are in the grid above; a second copy would only wrap.
        forms.append(("Binary", Text(info.binary), ""))
    forms.append(("Type", _kind(info), ""))
    if info.ipv4_mapped:
        forms.append(("IPv4-mapped", Text(info.ipv4_mapped), ""))
    forms.append(("Reverse", Text(info.reverse_pointer), ""))

    mask = info.mask
    masks: list[tuple[str, Text, str]] = [
        ("Prefix", Text(f"/{mask.prefix}  ({mask.prefix} ones of {mask.bits} bits)"), ""),
    ]
    if info.mask_source != "given":
        masks.append(("", Text(f"({info.mask_source})"), "note"))
    if info.mask_note:
        masks.append(("", Text(info.mask_note), "note"))
    masks += [
        ("Mask", Text(mask.dotted), ""),
        ("Mask hex", Text(mask.hex), ""),
        ("Wildcard", Text(mask.wildcard), ""),
    ]
    if info.version == 4:
        default = info.default_mask
        masks.append(
            (
                "Default mask",
                _mask_line(default) if default else Text(f"none (class {info.ipv4_class})"),
                "",
            )
        )
    return [("Address", forms), ("Mask", masks)]


def registry_rows(found: addresses.Special) -> list[tuple[str, Text, str]]:
    """What IANA's registries say about the address, one short fact a row."""
    rows: list[tuple[str, Text, str]] = []
    if found.block:
        rows.append(("Block", Text(found.block), ""))
    rows.append(("Purpose", Text(found.label), ""))
    if found.reach:
        rows.append(("Reach", Text(found.reach), ""))
    return rows


def embedded_section(inside: addresses.Embedded) -> tuple[str, list[tuple[str, Text, str]]]:
    """The IPv4 addresses a 6to4, Teredo or NAT64 address carries, and where its bits are."""
    if inside.scheme == "teredo":
        return (
            "Teredo: IPv4 inside",
            [
                ("Server", Text(f"{inside.server_ipv4}  (bits 32{DASH}63)"), ""),
                ("Client", Text(f"{inside.client_ipv4}  (bits 96{DASH}127, inverted)"), ""),
                ("Client port", Text(f"{inside.client_port}  (bits 80{DASH}95, inverted)"), ""),
            ],
        )
    if inside.scheme == "6to4":
        return ("6to4: IPv4 inside", [("Site", Text(f"{inside.ipv4}  (bits 16{DASH}47)"), "")])
    return ("NAT64: IPv4 inside", [("Host", Text(f"{inside.ipv4}  (the last 32 bits)"), "")])


def network_sections(info: AddressInfo) -> list[tuple[str, list[tuple[str, Text, str]]]]:
    """The network the address sits in, as the right column shows it."""
    rows: list[tuple[str, Text, str]] = [
        ("Network", Text(info.network), "network"),
        ("Device part", Text(info.device_part), "device"),
    ]
    if info.broadcast:
        rows.append(("Broadcast", Text(info.broadcast), ""))
    rows.append(("Hosts", Text(_span(info.first_host, info.last_host)), ""))
    count = f"{info.host_count:,}"
    if info.point_to_point:
        count += " (point-to-point)"
    rows.append(("Host count", Text(count), ""))
    rows.append(("Addresses", Text(f"{info.address_count:,}"), ""))
    sections = [("Network", rows), ("Registry", registry_rows(info.special))]
    if info.embedded:
        sections.append(embedded_section(info.embedded))
    if info.ipv6_split:
        from netlab.core.addresses import SEED_SPLIT_NOTE

        split = info.ipv6_split
        seed = f"{split.seed_network} | {split.seed_subnet} | {split.seed_device}"
        sections.append(
            (
                "IPv6 split (RFC 4291: 48/16/64)",
                [
                    ("Network", Text(split.network), "network"),
                    ("Subnet", Text(split.subnet), ""),
                    ("Device", Text(split.device), "device"),
                    ("Seed's split", Text(seed), ""),
                    ("Why", Text(SEED_SPLIT_NOTE), "note"),
                ],
            )
        )
    return sections


def _example(text: str, note: str) -> Option:
    width = max(len(example) for example, _ in EXAMPLES)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(width=width, no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(text, style="bold"), Text(note, style="dim"))
    return Option(grid, id=text)


def _hidden_parts() -> list[Widget]:
    """The pane's parts below the examples, hidden until an address or range is read."""
    return [
        BitGrid(id="address-bits"),
        Horizontal(
            InfoTable(id="address-forms"), InfoTable(id="address-network"), id="address-details"
        ),
        Horizontal(
            Field(placeholder="split: /26 or hosts: 100,50,10", id="split-input"),
            Button("\u2039 Prev", id="split-prev", compact=True, disabled=True),
            Button("Next \u203a", id="split-next", compact=True, disabled=True),
            id="split-row",
        ),
        Static(Text(SPLIT_HINT), id="split-message", classes="hint"),
        SubnetTable(id="split-table"),
    ]


class AddressPane(TargetPane):
    PANE_ID = "address"
    HELP = """\
# Address

Type an address and everything about it appears as you type: its forms (short, exploded,
integer, hex, binary), its mask in every notation, the network it sits in, the first and
last host, the broadcast, the device part, and its bits coloured by network and device.
Under **Registry**, what IANA's special-purpose registries say about it: private,
documentation, shared, multicast and its scope, and so on, with the RFC to read; a 6to4,
Teredo or NAT64 address also shows the IPv4 addresses inside it.

It mirrors the book's **IP.go** (parse and print the short form), **Mask.go** (an
address, the count of leading ones and the mask length) and **IPv4Mask.go** (an IPv4
address's class and default mask), and shows IPv6 addresses the book's way too: 64 bits
network, 16 bits subnet, 48 bits device.

Inputs it reads:

- `192.168.1.3` — no mask: the class default (/24 here), as IPv4Mask.go
- `192.168.1.3/16`, `192.168.1.3 255.255.0.0`, or a wildcard mask: `10.0.0.0/0.0.0.255`
  (no spaces around the `/`)
- `103.232.159.187 24 32` — Mask.go's ADDRESS ONES BITS
- `fda3:97c:1eb:fff0:5444:903a:33f0:3a6b 52 128`, `2001:db8::1/64`
- `10.0.0.5 - 10.0.0.20` — a range, shown as the fewest CIDR blocks

Click a bit to move the prefix there.

**Subnetting**: in the box under the details type `/26` to cut the network into /26s,
or `hosts: 100,50,10` for subnets sized for those hosts. Only one page of subnets is
computed at a time, so `10.0.0.0/8` into `/32` is instant. With the table focused,
**[** and **]** (or PageUp/PageDown at the first or last row) turn the page and
**{** and **}** jump to the first and last page.

**Elsewhere**: **Ctrl+L** looks the address up (a reverse lookup in the Lookup view),
**Ctrl+O** pings it and **Ctrl+N** puts it in the Client's address field, for you to add
the port. With the subnet table focused, they act on the highlighted subnet's first host.
"""

    JUMP_KEYS: ClassVar[dict[str, str]] = {
        "address-input": "a",
        "address-examples": "e",
        "split-input": "s",
        "split-table": "t",
    }

    def __init__(self) -> None:
        super().__init__()
        # Empty to begin with; set before mounting, a class change re-styles the whole pane.
        self.add_class("-empty")
        self.info: AddressInfo | None = None
        """The last address that was read without an error."""
        self.listing: Listing | None = None
        self.page_offset = 0
        self._built = False
        """Whether the parts below the examples are mounted (finish_building)."""

    def compose(self) -> ComposeResult:
        # What the first frame shows; the parts hidden until an address is typed come
        # just after it (finish_building): fewer widgets to style and lay out before it.
        yield Field(
            placeholder="192.168.1.3/24 · 2001:db8::1/64 · 103.232.159.187 24 32 · "
            "10.0.0.5 - 10.0.0.20",
            id="address-input",
        )
        yield Static(Text(EMPTY_HINT), id="address-message", classes="hint")
        with _Body(id="address-body"):
            yield OptionList(
                *(_example(text, note) for text, note in EXAMPLES), id="address-examples"
            )

    def on_mount(self) -> None:
        examples = self.query_one("#address-examples", OptionList)
        examples.border_title = "Examples: Tab, then Enter to try one"

    async def finish_building(self) -> None:
        """Mount the bit grid, the details and the split row and table, below the examples."""
        if self._built:
            return
        import netlab.core.addresses  # noqa: F401  # now, rather than on the first key

        await self.query_one("#address-body").mount(*_hidden_parts())
        self._built = True
        # The split box is read as its value changes, within the key's own handling: its
        # Changed message comes up through three containers, and Textual drew a frame for
        # the key alone meanwhile, which put the listing off until the frame after.
        split_input = self.query_one("#split-input", Input)
        self.watch(split_input, "value", self._split_typed, init=False)
        self.fit_layout()
        typed = self.query_one("#address-input", Input).value
        if typed:  # while they were being built: read now that they are here
            self.read_address(typed)

    # -- reading the address ---------------------------------------------------------------

    @on(Input.Changed, "#address-input")
    def _address_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.read_address(event.value)

    def read_address(self, text: str) -> None:
        """Show what `text` is, or one line saying what is wrong with it."""
        if not self._built:
            return  # finish_building reads the field once the parts showing it are there
        from netlab.core import addresses

        text = text.strip()
        self.set_class(not text, "-empty")
        if not text:
            self.info = None
            self._message(EMPTY_HINT, error=False)
            self.set_class(False, "-stale", "-range", "-address")
            self._show_listing(None)
            return
        try:
            if addresses.looks_like_range(text):
                listing = range_listing(text)
                self.info = None
                self.set_classes_for(range_mode=True)
                self._message(f"{listing.heading}: {listing.count:,} {listing.noun}", error=False)
                self._show_listing(listing)
                return
            info = addresses.describe(text)
        except InputError as error:
            self._fail(str(error))
            return
        except Exception as error:  # a core bug must not take the app down
            self.log.error("describe failed", text, error)
            self._fail(f"netlab could not read that ({type(error).__name__}: {error}).")
            return
        self.info = info
        self.set_classes_for(range_mode=False)
        summary = f"{info.address} is in {info.network}: {info.host_count:,} "
        summary += "host" if info.host_count == 1 else "hosts"
        if info.mask_source != "given":
            summary += " · no mask given, see Prefix"
        self._message(summary, error=False)
        self.query_one(BitGrid).show(info.integer, info.mask.bits, info.mask.prefix)
        self.query_one("#address-forms", InfoTable).show(address_sections(info))
        self.query_one("#address-network", InfoTable).show(network_sections(info))
        self._update_wide()
        self.read_split(self.query_one("#split-input", Input).value)

    def set_classes_for(self, *, range_mode: bool) -> None:
        self.set_class(False, "-stale")
        self.set_class(range_mode, "-range")
        self.set_class(not range_mode, "-address")

    def _fail(self, message: str) -> None:
        self._message(message, error=True)
        self.set_class(True, "-stale")
        # The table's display is its own (set as it is shown): the class would not hide it.
        self.query_one(SubnetTable).display = False

    def _message(self, text: str, *, error: bool) -> None:
        message = self.query_one("#address-message", Static)
        message.update(Text(text))
        message.set_class(error, "error")
        message.set_class(not error, "hint")

    @property
    def error(self) -> str | None:
        """The one-line error under the input, if the input is wrong."""
        message = self.query_one("#address-message", Static)
        content = message.content
        return str(content) if message.has_class("error") else None

    # -- the split box and its table -------------------------------------------------------

    @on(Input.Changed, "#split-input")
    def _split_changed(self, event: Input.Changed) -> None:
        event.stop()  # read already, as the value changed: _split_typed

    def _split_typed(self, value: str) -> None:
        self.read_split(value, typed=True)

    def read_split(self, text: str, *, typed: bool = False) -> None:
        """Show the split `text` asks for, or one line saying what is wrong with it.

        `typed`: only the split box changed, so nothing above the table has moved.
        """
        if self.info is None:
            return
        message = self.query_one("#split-message", Static)
        try:
            listing = listing_for(self.info.interface.network, text)
        except InputError as error:
            message.update(Text(str(error), no_wrap=True, overflow="ellipsis"))
            message.set_classes("error")
            # Its own display, not a class: a class change styles the widget anew.
            self.query_one(SubnetTable).display = False
            return
        except Exception as error:  # never a traceback on screen
            self.log.error("split failed", text, error)
            message.update(Text(f"netlab could not split that ({type(error).__name__})."))
            message.set_classes("error")
            return
        self._show_listing(listing)
        if listing is not None:
            if typed:
                self._scroll_in_the_coming_layout()
            # After the table's rows are laid out, or there is nothing yet to scroll to.
            self.call_after_refresh(self._scroll_to_split)

    def _scroll_in_the_coming_layout(self) -> None:
        """Have the layout that places the new table scroll the body to its end.

        That is where _scroll_to_split puts it, one frame sooner: the table is the body's
        last widget and at most as tall as the body less the split row and its message
        (fit_layout), so at the end the split row is on top, or as near it as a short
        table lets it be. Textual's anchoring scrolls to the end as it lays the body out.
        Only when the places of the split row and the message, from the last layout,
        still hold (nothing above them changed) and the end is neither above the top nor
        past the split row.
        """
        body = self.query_one("#address-body", _Body)
        heights = self._table_heights()
        split_top = self.query_one("#split-row").virtual_region_with_margin.y
        table_top = self.query_one("#split-message").virtual_region_with_margin.bottom
        window = body.scrollable_content_region.height
        if heights is None or not table_top or not window:
            return
        shortest, tallest = heights
        if table_top + shortest >= window and table_top + tallest <= split_top + window:
            body.anchor()

    def _table_heights(self) -> tuple[int, int] | None:
        """The least and the most lines the table will take, if its height is capped."""
        table = self.query_one(SubnetTable)
        cap = table.styles.max_height
        tallest = cap.cells if cap is not None else None
        if not tallest:
            return None
        return min(table.row_count + 1, tallest), tallest  # the heading and the rows

    def _scroll_to_split(self, tries: int = 3) -> None:
        table = self.query_one(SubnetTable)
        heights = self._table_heights()
        shortest = heights[0] if heights else 1
        if table.display and table.region.height < shortest and tries:
            # Called back before the refresh that lays the table out at its new size:
            # Textual runs these callbacks once the screen is idle, which it can be
            # before the table's layout request reaches it. The anchor stays until then.
            self.call_after_refresh(self._scroll_to_split, tries - 1)
            return
        body = self.query_one("#address-body", _Body)
        body.anchor(False)
        split_row = self.query_one("#split-row")
        body.scroll_to_widget(split_row, top=True, animate=False, immediate=True)

    def _show_listing(self, listing: Listing | None) -> None:
        self.listing = listing
        table = self.query_one(SubnetTable)
        if listing is None:
            table.display = False
            table.clear()
            message = self.query_one("#split-message", Static)
            message.update(Text(SPLIT_HINT))
            message.set_classes("hint")
            self._update_buttons()
            return
        self._show_page(0)
        # Shown only once it holds the page: showing it can make Textual arrange the body
        # there and then (to answer a region lookup), and the next frame may reuse that
        # arrangement, with the empty table one line high.
        table.display = True

    def _show_page(self, offset: int, *, cursor_at_end: bool = False) -> None:
        listing = self.listing
        if listing is None:
            return
        last_page = (listing.count - 1) // PAGE_SIZE * PAGE_SIZE
        self.page_offset = max(0, min(offset, last_page))
        rows = listing.fetch(self.page_offset, PAGE_SIZE)
        self.query_one(SubnetTable).show(listing.columns, rows, cursor_at_end=cursor_at_end)
        message = self.query_one("#split-message", Static)
        message.update(Text(self.page_label, no_wrap=True, overflow="ellipsis"))
        message.set_classes("hint")
        self._update_buttons()

    @property
    def page_label(self) -> str:
        """Where the table is: "10.0.0.0/8 into /32: subnets 1-50 of 16,777,216" (an en dash)."""
        listing = self.listing
        if listing is None:
            return ""
        if listing.count == 0:
            return f"{listing.heading}: no {listing.noun}"
        shown = min(PAGE_SIZE, listing.count - self.page_offset)
        first, last = self.page_offset + 1, self.page_offset + shown
        return f"{listing.heading}: {listing.noun} {first:,}{DASH}{last:,} of {listing.count:,}"

    def _update_buttons(self) -> None:
        listing = self.listing
        more_after = listing is not None and self.page_offset + PAGE_SIZE < listing.count
        self.query_one("#split-prev", Button).disabled = listing is None or self.page_offset == 0
        self.query_one("#split-next", Button).disabled = not more_after

    def _address_commands(self) -> Iterator[PaneCommand]:
        if self.query_one("#address-input", Input).value:
            yield PaneCommand("Clear the address", self.clear, "and everything shown for it")
        listing = self.listing
        if listing is None or listing.count <= PAGE_SIZE:
            return
        for where, help_text in (
            ("next", "] or PageDown at the last row"),
            ("previous", "[ or PageUp at the first row"),
            ("first", "{"),
            ("last", "}"),
        ):
            yield PaneCommand(
                f"Subnets: {where} page of {listing.heading}",
                partial(self.turn_page, where),
                help_text,
            )

    def target(self) -> Target | str:
        """The highlighted subnet's first host while the table has the cursor, else the
        address shown."""
        if not self.query_one("#address-input", Input).value.strip():
            return "type an address first."
        if self.error is not None:
            return "the address has an error; correct it first."
        table = next(self.query(SubnetTable).results(), None)
        listing = self.listing
        if (
            table is not None
            and table.display
            and table is self.screen.focused
            and listing is not None
            and table.row_count
        ):
            return Target(listing.first_host(self.page_offset + table.cursor_row))
        if self.info is None:
            if self.has_class("-range"):
                return "a range is many addresses; press Enter for its blocks and pick one."
            return "type an address first."
        return Target(self.info.address)

    def commands(self) -> Iterator[PaneCommand]:
        yield from self._address_commands()
        yield from self.hand_off_commands()

    def clear(self) -> None:
        """Empty the address field, and with it everything shown."""
        field = self.query_one("#address-input", Input)
        field.value = ""
        self.screen.set_focus(field)

    def turn_page(self, where: str, *, cursor_at_end: bool = False) -> None:
        """Show the "previous", "next", "first" or "last" page of the subnet list."""
        listing = self.listing
        if listing is None:
            return
        target = {
            "previous": self.page_offset - PAGE_SIZE,
            "next": self.page_offset + PAGE_SIZE,
            "first": 0,
            "last": listing.count,
        }[where]
        if where == "previous" and self.page_offset == 0:
            return
        if where == "next" and target >= listing.count:
            return
        self._show_page(target, cursor_at_end=cursor_at_end)

    @on(SubnetTable.Turn)
    def _turn(self, event: SubnetTable.Turn) -> None:
        event.stop()
        self.turn_page(event.where, cursor_at_end=event.cursor_at_end)

    @on(Button.Pressed, "#split-prev")
    def _previous(self, event: Button.Pressed) -> None:
        event.stop()
        self.turn_page("previous")

    @on(Button.Pressed, "#split-next")
    def _next(self, event: Button.Pressed) -> None:
        event.stop()
        self.turn_page("next")

    # -- getting around --------------------------------------------------------------------

    @on(Input.Submitted, "#address-input")
    def _address_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.has_class("-address"):
            self.screen.set_focus(self.query_one("#split-input", Input))
        elif self.has_class("-range"):
            self.screen.set_focus(self.query_one(SubnetTable))

    @on(Input.Submitted, "#split-input")
    def _split_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.listing is not None:
            self.screen.set_focus(self.query_one(SubnetTable))

    @on(OptionList.OptionSelected, "#address-examples")
    def _example_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        address_input = self.query_one("#address-input", Input)
        address_input.value = event.option.id or ""
        self.screen.set_focus(address_input)

    @on(BitGrid.PrefixSelected)
    def _prefix_clicked(self, event: BitGrid.PrefixSelected) -> None:
        event.stop()
        if self.info is not None:
            self.query_one("#address-input", Input).value = f"{self.info.address}/{event.prefix}"

    def fit_layout(self) -> None:
        self._update_wide()
        if not self._built:
            return
        # The table fits under the split box when the body is scrolled to it.
        body = self.query_one("#address-body", VerticalScroll)
        self.query_one(SubnetTable).styles.max_height = max(6, body.size.height - 5)

    def _update_wide(self) -> None:
        """Side by side when both columns fit: IPv4 from about 96 columns, IPv6 from 150."""
        info = self.info
        need = 150 if info is not None and info.version == 6 else 96
        self.set_class(self.size.width >= need, "-wide")

    def details_text(self) -> str:
        """Everything the details show, as plain text (for tests and copying)."""
        forms = self.query_one("#address-forms", InfoTable).plain
        network = self.query_one("#address-network", InfoTable).plain
        return f"{forms}\n{network}"

    def bit_roles(self) -> str:
        return self.query_one(BitGrid).roles()
