"""The rig's port block lends runs of ports and takes them back, so what a
batch of citizens took is there for the next one."""

from __future__ import annotations

import socket

import pytest

from asterisk.ports import PortBlock, PortBlockError


def test_ports_given_back_are_lent_again_and_runs_merge():
    block = PortBlock(16)
    a, b, c = block.take(4), block.take(4), block.take(4)
    assert (a, b, c) == (block.base, block.base + 4, block.base + 8)
    assert block.available == 4
    block.give_back(b, 4)
    assert block.take(3) == b  # first fit: the hole is used again
    block.give_back(b, 3)
    block.give_back(a, 4)
    block.give_back(c, 4)
    assert block.available == 16
    assert block.take(16) == block.base  # one run again: the holes merged


def test_a_long_run_of_batches_never_exhausts_the_block():
    block = PortBlock(12)
    for _ in range(10_000):
        ports = [block.take(), block.take(4), block.take()]
        for p, n in zip(ports, (1, 4, 1), strict=True):
            block.give_back(p, n)
    assert block.available == 12


def test_exhausted_and_wrong_give_back_are_loud_and_change_nothing():
    block = PortBlock(4)
    first = block.take(3)
    with pytest.raises(PortBlockError) as e:
        block.take(2)
    assert e.value.code == "ports.exhausted" and e.value.details["available"] == 1
    assert str(e.value) == "port block exhausted"
    with pytest.raises(PortBlockError) as e:
        block.give_back(block.base + 3)  # never lent
    assert e.value.code == "ports.already_free"
    with pytest.raises(PortBlockError) as e:
        block.give_back(block.base + 10)
    assert e.value.code == "ports.not_ours"
    assert block.available == 1
    block.give_back(first, 3)
    assert block.available == 4


def test_a_port_bound_by_someone_else_meanwhile_is_skipped():
    block = PortBlock(8)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.bind(("127.0.0.1", block.base))  # e.g. an ephemeral port taken since
        assert block.take(2) == block.base + 1


def test_a_block_is_found_outside_the_kernels_ephemeral_range():
    from asterisk.ports import ephemeral_range, free_udp_block

    a, b = ephemeral_range()
    for _ in range(20):
        base = free_udp_block(824)
        assert base % 2 == 0
        assert base + 824 <= a or base > b


def test_the_search_slides_past_a_busy_port_instead_of_giving_up():
    from asterisk.ports import free_udp_block

    base = free_udp_block(64, lo=40000, hi=40200)  # inside: only one small span
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.bind(("127.0.0.1", base + 10))
        again = free_udp_block(64, lo=base, hi=base + 140, tries=3)
        assert again > base + 10 and again + 64 <= base + 140
