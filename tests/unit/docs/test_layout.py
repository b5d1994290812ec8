"""Layout at generate time: parents left of children, no two nodes on one spot, bounded work."""

from __future__ import annotations

import time

from streamt.docs.layout import COLUMN_WIDTH, layered, neighbourhood


def test_layers_follow_the_longest_path() -> None:
    order = ["a", "b", "c", "d"]
    parents = {"b": ["a"], "c": ["a", "b"], "d": ["c"], "x": ["zzz"]}
    pos = layered(order, parents)
    assert [pos[n].x // COLUMN_WIDTH for n in order] == [0, 1, 2, 3]
    assert len({(p.x, p.y) for p in pos.values()}) == len(order)


def test_children_sit_near_their_parents() -> None:
    order = ["s1", "s2", "m2", "m1"]
    parents = {"m1": ["s1"], "m2": ["s2"]}
    pos = layered(order, parents)
    assert pos["m1"].y < pos["m2"].y  # m1's parent is above m2's


def test_a_thousand_nodes_lay_out_quickly() -> None:
    order = [f"n{i}" for i in range(1000)]
    parents = {f"n{i}": [f"n{i // 2}"] for i in range(1, 1000)}
    started = time.process_time()
    pos = layered(order, parents)
    assert time.process_time() - started < 0.5
    assert len({(p.x, p.y) for p in pos.values()}) == 1000
    assert all(pos[c].x > pos[p[0]].x for c, p in parents.items())


def test_neighbourhood_is_bounded_in_depth_and_width() -> None:
    parents = {f"c{i}": ["hub"] for i in range(100)} | {"hub": ["up1"], "up1": ["up2"]}
    parents |= {"up2": ["up3"], "up3": ["up4"]}
    children = {"hub": [f"c{i}" for i in range(100)], "up1": ["hub"]}
    got = neighbourhood("hub", parents, children, depth=3, width=25)
    assert got["hub"].x == 0
    assert {n for n in got if n.startswith("up")} == {"up1", "up2", "up3"}
    assert sum(1 for n in got if n.startswith("c")) == 25
    assert all(got[n].x > 0 for n in got if n.startswith("c"))
