"""Nested dicts, lists and tuples of values ("pytrees"), flattened to a list of leaves.

Dicts are walked in sorted key order, so two dicts with the same keys flatten alike
whatever order they were built in. None is an empty subtree (it has no leaves).
"""
from collections import namedtuple

TreeDef = namedtuple("TreeDef", "kind meta children")
_LEAF = TreeDef("leaf", None, ())
_NONE = TreeDef("none", None, ())


def tree_flatten(tree):
    """(leaves, treedef): the leaves in a fixed order, and what rebuilds the tree.

        >>> from revad.tree import tree_flatten
        >>> tree_flatten({"b": [1.0, 2.0], "a": 3.0})[0]
        [3.0, 1.0, 2.0]
    """
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if tree is None:
        return _NONE
    if isinstance(tree, dict):
        keys = sorted(tree)
        return TreeDef(type(tree), tuple(keys), tuple(_flatten(tree[k], leaves) for k in keys))
    if isinstance(tree, (list, tuple)):
        # namedtuples are rebuilt by their own class, so the type is the metadata
        return TreeDef(type(tree), None, tuple(_flatten(t, leaves) for t in tree))
    leaves.append(tree)
    return _LEAF


def tree_unflatten(treedef, leaves):
    """The tree of `treedef` with the given leaves, in flattening order.

        >>> from revad.tree import tree_flatten, tree_unflatten
        >>> leaves, treedef = tree_flatten({"w": 1.0, "b": (2.0, None)})
        >>> tree_unflatten(treedef, [x * 10 for x in leaves])
        {'b': (20.0, None), 'w': 10.0}
    """
    it = iter(leaves)
    out = _unflatten(treedef, it)
    if next(it, _sentinel) is not _sentinel:
        raise ValueError("tree_unflatten: more leaves than the tree has")
    return out


_sentinel = object()


def _unflatten(treedef, it):
    if treedef is _LEAF:
        return next(it)
    if treedef is _NONE:
        return None
    kind, meta, children = treedef
    values = [_unflatten(c, it) for c in children]
    if meta is not None:
        return kind(zip(meta, values, strict=True))
    if hasattr(kind, "_fields"):
        return kind(*values)
    return kind(values)


def tree_map(fn, tree, *rest):
    """`fn` applied leafwise to trees of one structure.

        >>> from revad.tree import tree_map
        >>> tree_map(lambda p, g: p - 0.1 * g, {"w": [1.0]}, {"w": [2.0]})
        {'w': [0.8]}
    """
    leaves, treedef = tree_flatten(tree)
    others = []
    for other in rest:
        other_leaves, other_def = tree_flatten(other)
        if other_def != treedef:
            raise ValueError("tree_map: trees of different structure")
        others.append(other_leaves)
    return tree_unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others, strict=True)])


def tree_structure_str(treedef):
    """A short description of a tree's shape, for error messages."""
    if treedef is _LEAF:
        return "*"
    if treedef is _NONE:
        return "None"
    kind, meta, children = treedef
    parts = [tree_structure_str(c) for c in children]
    if meta is not None:
        return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(meta, parts, strict=True)) + "}"
    if kind is list:
        return "[" + ", ".join(parts) + "]"
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
