"""Explain an address or network the way a person types it.

One call, `describe`, takes "192.168.1.3", "192.168.1.3/16", "192.168.1.3 255.255.0.0",
"10.0.0.0/0.0.0.255", "2001:db8::1/64" or Mask.go's "ADDRESS ONES BITS" and returns
every form, mask, part and range of it. The arithmetic is the standard library's
`ipaddress`; this module adds the reading of human input, the seeds' views (Go's hex
mask, the classful default mask of IPv4Mask.go, the IPv6 64/16/48 split) and
subnetting that never builds more than the page asked for.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from netlab.core.errors import InputError
from netlab.core.plural import plural

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

MAX_INPUT = 120
"""Longer than any address with a mask (an exploded IPv6 address with a scope and prefix fits)."""

MAX_HOST_COUNTS = 4096
"""How many host counts one subnetting plan may ask for; the plan is built in full."""

_IPV4_LIKE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_PREFIX = re.compile(r"^[0-9]+$")


class AddressError(InputError):
    """The text is not an address, mask or network this module understands."""


@dataclass(frozen=True)
class Mask:
    """A network mask in every form people write it."""

    prefix: int
    bits: int
    dotted: str
    """255.255.255.0 for IPv4; for IPv6 the mask written as an address (ffff:ffff::)."""
    hex: str
    """As Go's IPMask.String() prints it: ffffff00."""
    wildcard: str
    binary: str


@dataclass(frozen=True)
class Ipv6Split:
    """The seed's reading of an IPv6 address: 64 bits network, 16 subnet, 48 device."""

    network: str
    subnet: str
    device: str


@dataclass(frozen=True)
class AddressInfo:
    """Everything netlab can say about one address and the network it sits in."""

    text: str
    version: int
    address: str
    exploded: str
    integer: int
    hex: str
    binary: str
    flags: tuple[str, ...]
    ipv4_mapped: str | None
    mask: Mask
    mask_source: str
    """"given", or why this mask was chosen when none was typed."""
    ipv4_class: str | None
    default_mask: Mask | None
    network: str
    network_address: str
    device_part: str
    broadcast: str | None
    first_host: str
    last_host: str
    host_count: int
    address_count: int
    point_to_point: bool
    ipv6_split: Ipv6Split | None
    reverse_pointer: str
    interface: IPInterface = field(repr=False, compare=False)

    @property
    def network_bits(self) -> str:
        """The address's bits that belong to the network, without separators."""
        return _bits(self.interface.ip)[: self.mask.prefix]

    @property
    def host_bits(self) -> str:
        """The address's bits that name the device within the network."""
        return _bits(self.interface.ip)[self.mask.prefix :]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["interface"]
        return data


# -- reading what a person types ------------------------------------------------------------


def _fail(message: str) -> AddressError:
    return AddressError(message)


def _check_ipv4_text(text: str) -> None:
    """Say precisely what is wrong with something that looks like a dotted IPv4 address."""
    parts = text.split(".")
    if len(parts) != 4:
        raise _fail(
            f"{text} has {len(parts)} number{'s' if len(parts) != 1 else ''}; "
            "an IPv4 address has 4, as in 192.168.1.3."
        )
    for part in parts:
        if part == "":
            raise _fail(f"{text} has an empty octet: write four numbers, as in 192.168.1.3.")
        if not (part.isascii() and part.isdigit()):
            raise _fail(
                f"Octet {part!r} in {text!r} is not a number: each octet is 0 to 255, "
                "as in 255.255.255.0."
            )
    for part in parts:
        if int(part) > 255:
            raise _fail(f"Octet {part} in {text} is out of range: each octet is 0 to 255.")
    for part in parts:
        if len(part) > 1 and part.startswith("0"):
            fixed = ".".join(str(int(p)) for p in parts)
            raise _fail(
                f"Octet {part!r} in {text} has a leading zero, which some systems read as "
                f"octal: write {fixed}."
            )


def _parse_address(text: str) -> IPAddress:
    if not text:
        raise _fail("The address is missing: write one such as 192.168.1.3 or 2001:db8::1.")
    if _IPV4_LIKE.match(text):
        _check_ipv4_text(text)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text:
        try:
            ipaddress.IPv6Address(text)
        except ValueError as error:
            reason = str(error).split(" in ", 1)[0].rstrip(".")
            raise _fail(
                f"{text!r} is not an IPv6 address ({reason}): write one such as 2001:db8::1."
            ) from None
    raise _fail(f"{text!r} is not an IPv4 or IPv6 address: write one such as 192.168.1.3.")


def _prefix_from_number(text: str, address: IPAddress) -> int:
    bits = address.max_prefixlen
    if not _PREFIX.match(text) or len(text) > 3:
        raise _fail(
            f"Unexpected {text!r} where the prefix length goes: use a number from 0 to {bits}."
        )
    prefix = int(text)
    if prefix > bits:
        raise _fail(
            f"Prefix /{prefix} is out of range for IPv{address.version}: use /0 to /{bits}."
        )
    return prefix


def _prefix_from_mask(text: str, address: IPAddress) -> int:
    """A dotted netmask (255.255.0.0) or Cisco-style hostmask (0.0.0.255) -> prefix length."""
    if address.version != 4:
        raise _fail(f"IPv6 masks are written as a prefix length, such as /64, not {text}.")
    _check_ipv4_text(text)
    value = int(ipaddress.IPv4Address(text))
    for candidate in (value, value ^ 0xFFFFFFFF):
        inverted = candidate ^ 0xFFFFFFFF
        # A netmask is ones then zeros: its complement plus one is a power of two.
        if inverted & (inverted + 1) == 0:
            return 32 - inverted.bit_length()
    raise _fail(
        f"{text} is not a valid mask: its one bits must be contiguous, as in 255.255.0.0 "
        "(or 0.0.255.255 as a wildcard)."
    )


def _prefix_from_text(text: str, address: IPAddress) -> int:
    if "." in text:
        return _prefix_from_mask(text, address)
    return _prefix_from_number(text, address)


def _prefix_from_ones_bits(ones: str, bits: str, address: IPAddress) -> int:
    """Mask.go's `ADDRESS ONES BITS`: net.CIDRMask(ones, bits)."""
    width = address.max_prefixlen
    if not (_PREFIX.match(bits) and len(bits) <= 3):
        raise _fail(f"The mask length {bits!r} must be a number: {width} for IPv{address.version}.")
    if int(bits) != width:
        raise _fail(
            f"An IPv{address.version} address has {width} bits, not {int(bits)}: "
            f"write {address} {ones} {width}."
        )
    return _prefix_from_number(ones, address)


def parse_interface(text: str) -> tuple[IPInterface, bool]:
    """Read an address with an optional mask; say whether a mask was given."""
    if not isinstance(text, str):
        raise _fail("The address must be text, such as 192.168.1.3/24.")
    text = text.strip()
    if not text:
        raise _fail("Type an address, such as 192.168.1.3/24 or 2001:db8::1/64.")
    if len(text) > MAX_INPUT:
        raise _fail(
            f"That input is {len(text)} characters long; an address with its mask fits in "
            f"{MAX_INPUT}."
        )
    # "192.168.1.3 / 24" and "192.168.1.3/ 24" mean 192.168.1.3/24.
    words = re.sub(r"\s*/\s*", "/", text).split()
    head, slash, mask_text = words[0].partition("/")
    address = _parse_address(head)
    rest = words[1:]
    if slash:
        if not mask_text:
            raise _fail(
                f"Nothing follows the '/' in {words[0]}: add a prefix length such as /24 "
                "or a mask such as 255.255.255.0."
            )
        prefix = _prefix_from_text(mask_text, address)
        if rest:
            raise _fail(f"Unexpected {' '.join(rest)!r} after {words[0]}: give the mask once.")
    elif len(rest) == 1:
        prefix = _prefix_from_text(rest[0].removeprefix("/"), address)
    elif len(rest) == 2:
        prefix = _prefix_from_ones_bits(rest[0], rest[1], address)
    elif rest:
        raise _fail(
            f"Unexpected {' '.join(rest[2:])!r} at the end: write an address and a mask, "
            "such as 192.168.1.3/24 or 103.232.159.187 24 32."
        )
    else:
        return _default_interface(address), False
    return ipaddress.ip_interface((address, prefix)), True


def _default_interface(address: IPAddress) -> IPInterface:
    if address.version == 4:
        default = classful_prefix(address)
        return ipaddress.ip_interface((address, 32 if default is None else default))
    return ipaddress.ip_interface((address, 64))


# -- the views -------------------------------------------------------------------------------


def _bits(address: IPAddress) -> str:
    return format(int(address), f"0{address.max_prefixlen}b")


def grouped_bits(address: IPAddress) -> str:
    """Binary, dotted per octet for IPv4 and colon-separated per hextet for IPv6."""
    bits = _bits(address)
    size, separator = (8, ".") if address.version == 4 else (16, ":")
    return separator.join(bits[i : i + size] for i in range(0, len(bits), size))


def ipv4_class(address: ipaddress.IPv4Address) -> str:
    """The historic class, read from the leading bits: 0 A, 10 B, 110 C, 1110 D, 1111 E."""
    first = int(address) >> 24
    for letter, top in (("A", 128), ("B", 192), ("C", 224), ("D", 240)):
        if first < top:
            return letter
    return "E"


def classful_prefix(address: ipaddress.IPv4Address) -> int | None:
    """Go's IP.DefaultMask: /8, /16, /24 for classes A, B, C; none for D and E."""
    return {"A": 8, "B": 16, "C": 24}.get(ipv4_class(address))


def make_mask(prefix: int, version: int) -> Mask:
    """Every written form of the mask with `prefix` leading ones."""
    network: IPNetwork = (
        ipaddress.IPv4Network((0, prefix)) if version == 4 else ipaddress.IPv6Network((0, prefix))
    )
    bits = network.max_prefixlen
    netmask, hostmask = network.netmask, network.hostmask
    return Mask(
        prefix=prefix,
        bits=bits,
        dotted=str(netmask),
        hex=format(int(netmask), f"0{bits // 4}x"),
        wildcard=str(hostmask),
        binary=grouped_bits(netmask),
    )


def _ipv6_split(address: ipaddress.IPv6Address) -> Ipv6Split:
    hextets = address.exploded.split(":")
    return Ipv6Split(network=":".join(hextets[:4]), subnet=hextets[4], device=":".join(hextets[5:]))


_FLAG_NAMES = (
    "private",
    "global",
    "loopback",
    "link_local",
    "multicast",
    "reserved",
    "unspecified",
    "site_local",
)


def _flags(address: IPAddress) -> tuple[str, ...]:
    return tuple(name for name in _FLAG_NAMES if getattr(address, f"is_{name}", False))


def host_range(network: IPNetwork) -> tuple[str, str, int]:
    """First and last usable host and how many there are, without enumerating any.

    /31 and /127 are point-to-point links (RFC 3021, RFC 6164) where both addresses
    are hosts; an IPv6 subnet's first address is the subnet-router anycast address.
    """
    size = network.num_addresses
    if size <= 2:
        return canonical(network[0]), canonical(network[-1]), size
    if network.version == 4:
        return canonical(network[1]), canonical(network[-2]), size - 2
    return canonical(network[1]), canonical(network[-1]), size - 1


def explain(interface: IPInterface, *, text: str = "", mask_source: str = "given") -> AddressInfo:
    """Describe an address with its mask."""
    address, network = interface.ip, interface.network
    version = address.version
    first_host, last_host, host_count = host_range(network)
    device = type(address)(int(address) & int(network.hostmask))
    if version == 4:
        assert isinstance(address, ipaddress.IPv4Address)
        cls: str | None = ipv4_class(address)
        default = classful_prefix(address)
        default_mask = None if default is None else make_mask(default, 4)
        mapped = None
        broadcast = str(network.broadcast_address) if network.prefixlen < 31 else None
        split = None
    else:
        assert isinstance(address, ipaddress.IPv6Address)
        cls, default_mask, broadcast = None, None, None
        mapped = str(address.ipv4_mapped) if address.ipv4_mapped else None
        split = _ipv6_split(address)
    return AddressInfo(
        text=text or str(interface),
        version=version,
        address=canonical(address),
        exploded=address.exploded,
        integer=int(address),
        hex=format(int(address), f"0{address.max_prefixlen // 4}x"),
        binary=grouped_bits(address),
        flags=_flags(address),
        ipv4_mapped=mapped,
        mask=make_mask(network.prefixlen, version),
        mask_source=mask_source,
        ipv4_class=cls,
        default_mask=default_mask,
        network=f"{canonical(network.network_address)}/{network.prefixlen}",
        network_address=canonical(network.network_address),
        device_part=canonical(device),
        broadcast=broadcast,
        first_host=first_host,
        last_host=last_host,
        host_count=host_count,
        address_count=network.num_addresses,
        point_to_point=network.num_addresses == 2,
        ipv6_split=split,
        reverse_pointer=address.reverse_pointer,
        interface=interface,
    )


def describe(text: str) -> AddressInfo:
    """Read what a person typed and describe it; raise AddressError if it can't be read."""
    interface, given = parse_interface(text)
    if given:
        source = "given"
    elif interface.version == 6:
        source = "none given: the seed's split puts the network in the first 64 bits"
    elif interface.network.prefixlen == 32:
        source = f"none given: class {ipv4_class(interface.ip)} has no default mask"  # type: ignore[arg-type]
    else:
        source = f"none given: the default mask of class {ipv4_class(interface.ip)}"  # type: ignore[arg-type]
    return explain(interface, text=text.strip(), mask_source=source)


def canonical(address: IPAddress) -> str:
    """RFC 5952 text, with an IPv4-mapped address's tail dotted on every Python version."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def bits_at_prefix(info: AddressInfo) -> tuple[str, str]:
    """The grouped binary of the address cut where the prefix ends: (network, device)."""
    group = 8 if info.version == 4 else 16
    cut = info.mask.prefix + info.mask.prefix // group
    if info.mask.prefix % group == 0 and 0 < info.mask.prefix < info.mask.bits:
        cut -= 1  # the separator after a whole group belongs to neither side
        return info.binary[:cut], info.binary[cut + 1 :]
    return info.binary[:cut], info.binary[cut:]


def parse_ip(text: str) -> IPAddress | None:
    """IP.go's net.ParseIP: the address, or None if the text is not exactly one."""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


# -- subnetting ----------------------------------------------------------------------------


def parse_network(text: str) -> IPNetwork:
    """The network that an address with a mask sits in: 192.168.1.3/24 -> 192.168.1.0/24."""
    interface, _ = parse_interface(text)
    return interface.network


class SubnetSplit:
    """A network cut into equal subnets, computed on demand: a /8 into /32s costs nothing.

    Indexable and iterable like a sequence, but `count` is the exact number of subnets
    (len() cannot hold 2**128), and nothing ever walks the whole split.
    """

    def __init__(self, network: IPNetwork, new_prefix: int) -> None:
        if not network.prefixlen <= new_prefix <= network.max_prefixlen:
            raise _fail(
                f"Cannot split {network} into /{new_prefix}s: the new prefix must be "
                f"/{network.prefixlen} to /{network.max_prefixlen}."
            )
        self.network = network
        self.new_prefix = new_prefix
        self.count = 1 << (new_prefix - network.prefixlen)
        self.block_size = 1 << (network.max_prefixlen - new_prefix)

    def __len__(self) -> int:
        # len() must fit a machine integer; `count` is exact for splits larger than that.
        return min(self.count, 2**62)

    def subnet(self, index: int) -> IPNetwork:
        """The index-th subnet, negative indices counting from the end."""
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(f"subnet {index} of {self.count}")
        start = int(self.network.network_address) + index * self.block_size
        # The network's own class: ip_network((0, 16)) would be IPv4 even inside ::/0.
        return type(self.network)((start, self.new_prefix))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            # `count`, not len(): negative slice ends must count from the real end.
            return [self.subnet(i) for i in range(*index.indices(self.count))]
        return self.subnet(index)

    def __iter__(self) -> Iterator[IPNetwork]:
        return (self.subnet(i) for i in range(self.count))

    def __reversed__(self) -> Iterator[IPNetwork]:
        return (self.subnet(i) for i in reversed(range(self.count)))

    def __contains__(self, value: object) -> bool:
        # Arithmetic, never a scan, which would walk 2**128 subnets of ::/0.
        return (
            isinstance(value, type(self.network))
            and value.prefixlen == self.new_prefix
            and value.subnet_of(self.network)  # type: ignore[arg-type]
        )

    def page(self, offset: int, limit: int) -> list[IPNetwork]:
        """At most `limit` subnets starting at `offset`."""
        offset = max(0, offset)
        stop = min(self.count, offset + max(0, limit))
        return [self.subnet(i) for i in range(offset, stop)]


def split(network: IPNetwork | str, new_prefix: int) -> SubnetSplit:
    """Cut a network into subnets of a longer prefix."""
    net = parse_network(network) if isinstance(network, str) else network
    return SubnetSplit(net, new_prefix)


@dataclass(frozen=True)
class Allocation:
    """One subnet of a plan sized by host counts."""

    index: int
    """Position of the request in the list as given."""
    hosts_wanted: int
    network: IPNetwork
    hosts_usable: int


def prefix_for_hosts(hosts: int, version: int) -> int:
    """The longest prefix whose subnet holds `hosts` usable addresses."""
    bits = 32 if version == 4 else 128
    if hosts <= 0:
        raise _fail(f"A subnet needs at least 1 host, not {hosts}.")
    if hosts <= 2:
        return bits - (hosts - 1)  # 1 -> /32 single host, 2 -> /31 point-to-point
    reserved = 2 if version == 4 else 1
    return bits - (hosts + reserved - 1).bit_length()


def plan_for_hosts(network: IPNetwork | str, host_counts: Sequence[int]) -> list[Allocation]:
    """Subnets sized for each host count, largest first, packed from the network's start."""
    net = parse_network(network) if isinstance(network, str) else network
    if not host_counts:
        raise _fail("Give at least one host count, such as 100,50,10.")
    if len(host_counts) > MAX_HOST_COUNTS:
        raise _fail(f"{len(host_counts)} host counts is too many: give at most {MAX_HOST_COUNTS}.")
    requests = [
        (prefix_for_hosts(hosts, net.version), index, hosts)
        for index, hosts in enumerate(host_counts)
    ]
    # Largest blocks first: each then starts on a multiple of its own size.
    requests.sort(key=lambda item: (item[0], item[1]))
    needed = sum(1 << (net.max_prefixlen - prefix) for prefix, _, _ in requests)
    if needed > net.num_addresses:
        raise _fail(
            f"{net} has {plural(net.num_addresses, 'address', 'addresses')} "
            f"but those subnets need {needed}: "
            "use a shorter prefix or fewer hosts."
        )
    start = int(net.network_address)
    plan = []
    for prefix, index, hosts in requests:
        subnet = type(net)((start, prefix))
        plan.append(Allocation(index, hosts, subnet, host_range(subnet)[2]))
        start += subnet.num_addresses
    return plan


def parse_range(text: str) -> tuple[IPAddress, IPAddress]:
    """Read "FIRST - LAST" (spaces optional around the dash)."""
    first_text, dash, last_text = text.partition("-")
    if not dash:
        raise _fail(f"{text!r} is not a range: write FIRST - LAST, as in 10.0.0.5 - 10.0.0.20.")
    first, last = _parse_address(first_text.strip()), _parse_address(last_text.strip())
    if first.version != last.version:
        raise _fail("A range needs two addresses of the same version.")
    if first > last:  # type: ignore[operator]
        raise _fail(f"The range starts after it ends: write {last} - {first}.")
    return first, last


def range_to_networks(text: str) -> list[IPNetwork]:
    """The fewest CIDR blocks that cover the range exactly."""
    first, last = parse_range(text)
    return list(ipaddress.summarize_address_range(first, last))  # type: ignore[arg-type]


def looks_like_range(text: str) -> bool:
    """True for "a - b" input, which never contains a '/' or a mask."""
    return "-" in text and "/" not in text
