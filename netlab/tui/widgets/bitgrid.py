"""BitGrid: an address drawn bit by bit, network bits in one colour and device bits in another.

IPv4 is one row of four octets with their decimal values above them; IPv6 wraps into
rows of 64 or 32 bits (whatever fits the width) with each hextet's hex above it. A bar
marks where the prefix cuts the address, a legend says how many bits each side has,
and clicking a bit moves the cut to just after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

CUT = "│"


@dataclass(frozen=True)
class _Shape:
    group: int
    """Bits per group: 8 (an octet) or 16 (a hextet)."""
    separator: str
    per_row: int


class BitGrid(Widget):
    """The bits of one address, split at a prefix."""

    DEFAULT_CSS = """
    BitGrid {
        width: 1fr;
        height: auto;
    }
    BitGrid > .bitgrid--network {
        color: $text-primary;
        text-style: bold;
    }
    BitGrid > .bitgrid--device {
        color: $text-warning;
    }
    BitGrid > .bitgrid--cut {
        color: $text-error;
        text-style: bold;
    }
    BitGrid > .bitgrid--label {
        color: $text-muted;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bitgrid--network",
        "bitgrid--device",
        "bitgrid--cut",
        "bitgrid--label",
    }

    @dataclass
    class PrefixSelected(Message):
        """A bit was clicked: the prefix that ends with that bit."""

        bit_grid: BitGrid
        prefix: int

        @property
        def control(self) -> BitGrid:
            return self.bit_grid

    def __init__(
        self,
        value: int = 0,
        *,
        bits: int = 32,
        prefix: int = 0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._value = value
        self._bits = bits
        self._prefix = prefix

    # -- the data ---------------------------------------------------------------------------

    @property
    def bits(self) -> int:
        """How wide the address is: 32 (IPv4) or 128 (IPv6)."""
        return self._bits

    @property
    def prefix(self) -> int:
        return self._prefix

    @property
    def value(self) -> int:
        return self._value

    def show(self, value: int, bits: int, prefix: int) -> None:
        """Draw `value`, an address `bits` wide, cut after its first `prefix` bits."""
        if bits not in (32, 128):
            raise ValueError(f"an address has 32 or 128 bits, not {bits}")
        if not 0 <= prefix <= bits:
            raise ValueError(f"prefix /{prefix} does not fit {bits} bits")
        if not 0 <= value < 1 << bits:
            raise ValueError(f"{value} does not fit {bits} bits")
        self._value, self._bits, self._prefix = value, bits, prefix
        self.refresh(layout=True)

    def bit_string(self) -> str:
        return format(self._value, f"0{self._bits}b")

    # -- drawing ----------------------------------------------------------------------------

    def _shape(self, width: int) -> _Shape:
        if self._bits == 32:
            return _Shape(8, ".", 32 if width >= 36 or width <= 0 else 16)
        for per_row in (64, 32):
            groups = per_row // 16
            if per_row + groups - 1 + 1 <= width or width <= 0:
                return _Shape(16, ":", per_row)
        return _Shape(16, ":", 16)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 2 * (self._bits // self._shape(width).per_row) + 1

    def render(self) -> Text:
        return self.build(self.size.width)

    def build(self, width: int) -> Text:
        """The grid as lines of text for a given width: values, bits, ..., legend."""
        network = self.get_component_rich_style("bitgrid--network")
        device = self.get_component_rich_style("bitgrid--device")
        cut_style = self.get_component_rich_style("bitgrid--cut")
        label = self.get_component_rich_style("bitgrid--label")
        shape = self._shape(width)
        bits = self.bit_string()
        prefix = self._prefix
        lines: list[Text] = []
        for row_start in range(0, self._bits, shape.per_row):
            bit_line = Text(no_wrap=True, overflow="crop")
            spans: list[tuple[int, int, int]] = []  # (column, end column, group start bit)
            for group_start in range(row_start, row_start + shape.per_row, shape.group):
                if group_start != row_start:
                    if group_start == prefix:
                        bit_line.append(CUT, cut_style)
                    else:
                        bit_line.append(shape.separator, label)
                column = len(bit_line)
                for index in range(group_start, group_start + shape.group):
                    if index == prefix and index % shape.group:
                        bit_line.append(CUT, cut_style)
                    role = network if index < prefix else device
                    bit_line.append(bits[index], role + Style(meta={"bit": index}))
                spans.append((column, len(bit_line), group_start))
            row_end = row_start + shape.per_row
            if row_end == prefix and row_end != self._bits:
                bit_line.append(CUT, cut_style)
            lines.append(self._values_line(spans, bits, shape, (network, device, label)))
            lines.append(bit_line)
        lines.append(self._legend(network, device, cut_style))
        return Text("\n", no_wrap=True, overflow="crop").join(lines)

    def _values_line(
        self,
        spans: list[tuple[int, int, int]],
        bits: str,
        shape: _Shape,
        styles: tuple[Style, Style, Style],
    ) -> Text:
        network, device, label = styles
        line = Text(no_wrap=True, overflow="crop")
        for column, end, start in spans:
            number = int(bits[start : start + shape.group], 2)
            written = str(number) if shape.group == 8 else format(number, "04x")
            if start + shape.group <= self._prefix:
                style = network
            elif start >= self._prefix:
                style = device
            else:
                style = label
            width = end - column
            line.append(" " * (column - len(line)))
            line.append(written.center(width).rstrip(), style)
        return line

    def _legend(self, network: Style, device: Style, cut: Style) -> Text:
        device_bits = self._bits - self._prefix
        return Text.assemble(
            (f"network /{self._prefix}", network),
            (f" {CUT} ", cut),
            (f"device {device_bits} bit{'' if device_bits == 1 else 's'}", device),
            no_wrap=True,
            overflow="crop",
        )

    def roles(self) -> str:
        """One letter per bit as drawn: "n" for a network bit, "d" for a device bit."""
        network = self.get_component_rich_style("bitgrid--network")
        roles = ["?"] * self._bits
        for line in self.build(self.size.width or 80).split("\n"):
            for span in line.spans:
                style = span.style
                if not isinstance(style, Style) or "bit" not in style.meta:
                    continue
                same = style.color == network.color and style.bold == network.bold
                roles[style.meta["bit"]] = "n" if same else "d"
        return "".join(roles)

    def on_click(self, event: events.Click) -> None:
        bit = event.style.meta.get("bit")
        if isinstance(bit, int):
            event.stop()
            self.post_message(self.PrefixSelected(self, bit + 1))
