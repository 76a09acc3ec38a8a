"""YAML from users (plans, schedules), read with limits.

``yaml.safe_load`` builds no objects of arbitrary classes, but it still trusts the file's
size and its aliases: nine levels of ``&a [*b, *b, …]`` describe a billion values in a few
hundred bytes, and the first ``str()`` of them exhausts memory. It also turns
``2023-02-30`` into a ``ValueError`` from the date constructor, naming neither file nor key.
``load`` refuses a file over ``MAX_BYTES``, a document whose aliases expand to more than
``MAX_NODES`` values, and keeps dates as text, so the caller checks them with the key path.
"""
from __future__ import annotations

import yaml

MAX_BYTES = 1_000_000        # a plan of several hundred targets and tasks is ~100 kB
MAX_NODES = 100_000          # values after alias expansion


class YamlLimitError(ValueError):
    """The document is over a limit; ``line`` is 1-based where known. ``limit`` says which
    ("too_large", "aliases", "too_deep", "key_twice") and ``params`` its figures, so a caller
    can say it in the reader's language."""

    def __init__(self, message: str, line: int | None = None, *, limit: str | None = None,
                 params: dict | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.limit = limit
        self.params = dict(params or {})


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (``2023-02-30`` stays the text it is)
    and without silently keeping the last of two equal keys."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise YamlLimitError(f"the key {key!r} appears twice (lines {seen[key]} and "
                                     f"{key_node.start_mark.line + 1}); the second would silently replace the first",
                                     key_node.start_mark.line + 1, limit="key_twice",
                                     params={"key": key, "first": seen[key], "second": key_node.start_mark.line + 1})
            if isinstance(key, (str, int, float, bool)):
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _expanded_size(root: yaml.Node) -> int:
    """How many values the document holds once every alias is expanded (aliases share
    nodes, so each node's size is computed once; a recursive alias counts once)."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            stack.pop()
            continue
        kids = [k for pair in node.value for k in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if id(node) not in entered:
            entered.add(id(node))
            stack.extend(k for k in kids if id(k) not in sizes and id(k) not in entered)
            continue
        stack.pop()
        total = 1 + sum(sizes.get(id(k), 1) for k in kids)
        if total > MAX_NODES:
            raise YamlLimitError(f"its aliases (*name) expand to more than {MAX_NODES:,} values",
                                 node.start_mark.line + 1, limit="aliases", params={"values": MAX_NODES})
        sizes[id(node)] = total
    return sizes[id(root)]


def load_file(path) -> object:
    """``load`` of a file, refused before reading when it is over ``MAX_BYTES``."""
    return load_file_located(path)[0]


def load_file_located(path) -> tuple[object, dict[tuple, int]]:
    """``load_located`` of a file (UTF-8, a byte order mark allowed), refused before reading
    when it is over ``MAX_BYTES``."""
    from pathlib import Path

    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise YamlLimitError(f"the file is larger than {MAX_BYTES // 1000:,} kB", limit="too_large",
                             params={"kb": MAX_BYTES // 1000})
    return load_located(path.read_bytes().decode("utf-8-sig"))


def load_file_or_refuse(path, code: str) -> tuple[object, dict[tuple, int]]:
    """``load_file_located`` of a workspace's file, one that cannot be read or is not YAML
    refused as a ``DxDataError`` with the problem ``code`` of problems.yaml (its ``{reason}``:
    what went wrong)."""
    from pathlib import Path

    from dx_metrics.errors import DxDataError, Problem

    path = Path(path)
    try:
        return load_file_located(path)
    except (OSError, ValueError) as e:
        raise DxDataError([Problem(file=path.name, reason="overlay", code=code, message="",
                                   params={"reason": str(e)})]) from None


def load(text: str):
    """The document in ``text`` as Python values, within the limits above.

    Raises ``YamlLimitError`` over a limit and ``yaml.YAMLError`` for bad syntax."""
    return load_located(text)[0]


def load_located(text: str) -> tuple[object, dict[tuple, int]]:
    r"""``load``, and the line (1-based) of each key path of the document: ``("dossiers",
    "unit_name", "aliases", 0) -> 12`` (mapping keys as written, list items by position), so
    a check of the values can say where a value is.

    >>> load_located("dossiers:\n  unit_name:\n    aliases: [Đơn vị, 1]\n")[1][("dossiers", "unit_name", "aliases", 1)]
    3
    """
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlLimitError(f"the file is larger than {MAX_BYTES // 1000:,} kB", limit="too_large",
                             params={"kb": MAX_BYTES // 1000})
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _expanded_size(node)
        return loader.construct_document(node), _lines(node)
    except RecursionError:
        raise YamlLimitError("it is nested too deeply (lists or mappings inside each other thousands of times)",
                             limit="too_deep") from None
    finally:
        loader.dispose()


def _lines(root: yaml.Node) -> dict[tuple, int]:
    """The line of each key path under ``root`` (a node reached twice through an alias: its first path)."""
    lines: dict[tuple, int] = {(): root.start_mark.line + 1}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line + 1))
                lines.setdefault(here, key.start_mark.line + 1)
                stack.append((value, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                lines.setdefault((*path, i), value.start_mark.line + 1)
                stack.append((value, (*path, i)))
    return lines


def load_package_data(package: str, *parts: str):
    """A YAML file shipped in the package (trusted, written here): read with libyaml's
    parser when PyYAML has it, several times faster than the pure-Python one."""
    from importlib import resources

    text = resources.files(package).joinpath(*parts).read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
