"""ip, mask and calc: an address, its mask, its network and its subnets.

The twins of IP.go and Mask.go, and the calculator: arithmetic only, no network.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from netlab.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    Commands,
    add_command,
    count,
    emit_json,
)
from netlab.core import addresses
from netlab.core.errors import InputError

DEFAULT_PAGE = 16
"""Subnets calc --split shows unless --limit says otherwise."""


def register(commands: Commands) -> None:
    """ip, mask and calc, in the order `netlab --help` lists them."""
    _add_ip(commands)
    _add_mask(commands)
    _add_calc(commands)


def _rows(pairs: Sequence[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in pairs)
    for label, value in pairs:
        print(f"{label:<{width}}  {value}")


def _mask_text(mask: addresses.Mask) -> str:
    return f"/{mask.prefix}  {mask.dotted}  hex {mask.hex}"


def _add_ip(commands: Commands) -> None:
    sub = add_command(
        commands, "ip", cmd_ip, "check an address and print its canonical form (IP.go)"
    )
    sub.add_argument("address")


def cmd_ip(args: argparse.Namespace) -> int:
    """IP.go: parse an address and print its canonical form."""
    address = addresses.parse_ip(args.address)
    if address is None:
        if args.json:
            raise InputError(f"Invalid address: {args.address!r} is not an IPv4 or IPv6 address.")
        print("Invalid address")
        return EXIT_BAD_INPUT
    if args.json:
        emit_json({"input": args.address, "address": str(address), "version": address.version})
    else:
        # Go prints an IPv4-mapped address in its IPv4 form.
        shown = getattr(address, "ipv4_mapped", None) or address
        print(f"The address is {shown}")
    return EXIT_OK


def _add_mask(commands: Commands) -> None:
    sub = add_command(
        commands, "mask", cmd_mask, "apply a CIDR mask of ONES in BITS to an address (Mask.go)"
    )
    sub.add_argument("address")
    sub.add_argument("ones")
    sub.add_argument("bits")


def cmd_mask(args: argparse.Namespace) -> int:
    """Mask.go: an address, CIDRMask(ones, bits), and the network it gives."""
    info = addresses.describe(f"{args.address} {args.ones} {args.bits}")
    if args.json:
        emit_json(
            {
                "address": info.address,
                "mask": info.mask,
                "network": info.network,
                "network_address": info.network_address,
            }
        )
        return EXIT_OK
    print(f"Address is {info.address}")
    print(f"Mask length is {info.mask.bits}")
    print(f"Leading ones count is {info.mask.prefix}")
    print(f"Mask is (hex) {info.mask.hex}")
    print(f"Network is {info.network_address}")
    return EXIT_OK


def _print_description(info: addresses.AddressInfo) -> None:
    kind = f"IPv{info.version}"
    if info.ipv4_class:
        kind += f", class {info.ipv4_class}"
    if info.flags:
        kind += ", " + ", ".join(flag.replace("_", "-") for flag in info.flags)
    rows = [
        ("Address", f"{info.address}  ({kind})"),
        ("Registry", info.special.summary),
        ("Exploded", info.exploded),
        ("Integer", f"{info.integer}  hex {info.hex}"),
        ("Binary", info.binary),
    ]
    if info.ipv4_mapped:
        rows.append(("IPv4-mapped", info.ipv4_mapped))
    if info.embedded:
        rows.append(("Embedded", info.embedded.summary))
    rows.append(("Mask", _mask_text(info.mask)))
    if info.mask_source != "given":
        rows.append(("", f"({info.mask_source})"))
    if info.mask_note:
        rows.append(("", info.mask_note))
    rows.append(("Wildcard", info.mask.wildcard))
    if info.version == 4:
        default = _mask_text(info.default_mask) if info.default_mask else "none (class D/E)"
        rows.append(("Default mask", default))
    rows += [
        ("Network", info.network),
        ("Device part", info.device_part),
    ]
    if info.broadcast:
        rows.append(("Broadcast", info.broadcast))
    hosts = f"{info.first_host} - {info.last_host}  ({info.host_count:,} hosts"
    hosts += ", point-to-point)" if info.point_to_point else ")"
    rows.append(("Hosts", hosts))
    network_bits, device_bits = addresses.bits_at_prefix(info)
    rows.append(("Bits", f"{network_bits or '-'} | {device_bits or '-'}  (network | device)"))
    if info.ipv6_split:
        split = info.ipv6_split
        rows += [
            (
                "IPv6 split",
                f"network {split.network}  subnet {split.subnet}  device {split.device}"
                "  (RFC 4291: 48/16/64)",
            ),
            (
                "Seed split",
                f"network {split.seed_network}  subnet {split.seed_subnet}  "
                f"device {split.seed_device}  ({addresses.SEED_SPLIT_NOTE})",
            ),
        ]
    rows.append(("Reverse", info.reverse_pointer))
    _rows(rows)


def _print_split(plan: addresses.SubnetSplit, offset: int, limit: int) -> None:
    subnets = plan.page(offset, limit)
    noun = "subnet" if plan.count == 1 else "subnets"
    print(f"{plan.network} into /{plan.new_prefix}: {plan.count:,} {noun}")
    for number, subnet in enumerate(subnets, start=offset + 1):
        first, last, count = addresses.host_range(subnet)
        print(f"{number:>6}  {subnet!s:<20} {first} - {last}  ({count:,} hosts)")
    remaining = plan.count - offset - len(subnets)
    if remaining > 0:
        print(f"... {remaining:,} more (see them with --offset {offset + len(subnets)})")


def _subnet_json(subnet: addresses.IPNetwork) -> dict[str, Any]:
    first, last, count = addresses.host_range(subnet)
    return {
        "network": str(subnet),
        "first_host": str(first),
        "last_host": str(last),
        "host_count": count,
    }


def _add_calc(commands: Commands) -> None:
    sub = add_command(commands, "calc", cmd_calc, "describe an address or network, and subnet it")
    sub.add_argument(
        "input",
        nargs="+",
        help="192.168.1.3, 192.168.1.3/24, 192.168.1.3 255.255.0.0, ADDR ONES BITS or FIRST - LAST",
    )
    sub.add_argument(
        "--split",
        type=_prefix,
        metavar="PREFIX",
        help="cut the network into subnets of this prefix",
    )
    sub.add_argument(
        "--hosts", metavar="N,N,...", help="subnets sized for these host counts, largest first"
    )
    sub.add_argument(
        "--limit", type=count, default=DEFAULT_PAGE, metavar="N", help="subnets to show"
    )
    sub.add_argument("--offset", type=_offset, default=0, metavar="N", help="first subnet to show")


def _prefix(text: str) -> int:
    # Up to 128 whatever the family: whether it fits the network is the core's to say.
    value = text.removeprefix("/")
    if not value.isascii() or not value.isdigit() or int(value) > 128:
        raise argparse.ArgumentTypeError(f"{text!r} is not a prefix length such as 26 or /64")
    return int(value)


def _offset(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an offset (0 or more)")
    return int(text)


def cmd_calc(args: argparse.Namespace) -> int:
    """The whole calculator: forms, masks, parts, ranges and subnetting."""
    text = " ".join(args.input)
    if args.split is not None and args.hosts is not None:
        raise InputError("Give --split or --hosts, not both.")
    # A range is read as a range whatever else was asked.
    if addresses.looks_like_range(text):
        _calc_range(text, as_json=args.json)
    elif args.split is not None:
        _calc_split(text, args.split, args.offset, args.limit, as_json=args.json)
    elif args.hosts is not None:
        _calc_hosts(text, args.hosts, as_json=args.json)
    else:
        _calc_description(text, as_json=args.json)
    return EXIT_OK


def _calc_range(text: str, *, as_json: bool) -> None:
    """FIRST - LAST: the fewest networks that cover it."""
    networks = addresses.range_to_networks(text)
    if as_json:
        emit_json({"input": text, "networks": [str(n) for n in networks]})
    else:
        for network in networks:
            print(network)


def _calc_split(text: str, prefix: int, offset: int, limit: int, *, as_json: bool) -> None:
    """--split: the network cut into subnets of `prefix`, a page of them shown."""
    plan = addresses.split(text, prefix)
    if not as_json:
        _print_split(plan, offset, limit)
        return
    emit_json(
        {
            "input": text,
            "network": str(plan.network),
            "new_prefix": plan.new_prefix,
            "count": plan.count,
            "offset": offset,
            "subnets": [_subnet_json(s) for s in plan.page(offset, limit)],
        }
    )


def _calc_hosts(text: str, host_counts: str, *, as_json: bool) -> None:
    """--hosts: a subnet sized for each host count, largest first."""
    allocations = addresses.plan_for_hosts(text, _host_counts(host_counts))
    if not as_json:
        for a in allocations:
            print(f"{a.hosts_wanted:>8} hosts  {a.network!s:<20} ({a.hosts_usable:,} usable)")
        return
    emit_json(
        {
            "input": text,
            "network": str(addresses.parse_network(text)),
            "subnets": [
                {"index": a.index, "hosts_wanted": a.hosts_wanted} | _subnet_json(a.network)
                for a in allocations
            ],
        }
    )


def _calc_description(text: str, *, as_json: bool) -> None:
    """An address or network described: its forms, mask, parts and hosts."""
    info = addresses.describe(text)
    if as_json:
        described = info.to_dict()
        emit_json({"input": described.pop("text")} | described)
    else:
        _print_description(info)


def _host_counts(text: str) -> list[int]:
    counts = []
    for item in text.split(","):
        item = item.strip()
        if not item.isascii() or not item.isdigit():
            raise InputError(f"Host count {item!r} is not a number: write them as 100,50,10.")
        counts.append(int(item))
    return counts
