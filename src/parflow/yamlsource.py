"""YAML input that remembers where every value came from.

Users edit workflow, campaign and criteria files by hand; when one is wrong the error must name the
file and the line. We compose the YAML node tree (which carries marks), build plain Python data
from it, and keep a map from each value's path to its line so that pydantic's error locations can
be turned back into `file:line: reason`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class SourceError(Exception):
    """One or more problems in a user-edited input file; nothing from it was applied."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class SourceDoc:
    path: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """Line of the deepest known prefix of `loc` (pydantic may point inside a value)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None

    def problem(self, loc: Loc, reason: str) -> Problem:
        return Problem(self.path, self.line_of(loc), reason)


def load_yaml(path: Path, display: str | None = None) -> SourceDoc:
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError([Problem(shown, None, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise SourceError([Problem(shown, None, f"not UTF-8 text ({exc.reason})")]) from None
    return parse_yaml(text, shown)


# libyaml's parser gives the same nodes and marks ten times faster (campaign files with criteria
# sets run to thousands of lines); the pure-Python one is the fallback where libyaml is missing.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: str) -> SourceDoc:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError([Problem(path, line, f"not valid YAML: {exc.problem or exc}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise SourceError([Problem(path, None, "the file is empty")])
    doc = SourceDoc(path, None)
    problems: list[Problem] = []
    doc.data = _build(loader, node, (), doc, problems)
    if problems:
        raise SourceError(problems)
    return doc


def _build(
    loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, doc: SourceDoc, problems: list[Problem]
) -> Any:
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            try:
                key = loader.construct_object(key_node, deep=True)
            except yaml.YAMLError as exc:
                problems.append(Problem(doc.path, key_node.start_mark.line + 1, f"bad key: {exc}"))
                continue
            if not isinstance(key, str | int):
                problems.append(Problem(doc.path, key_node.start_mark.line + 1, "keys must be plain words"))
                continue
            if key in result:
                problems.append(Problem(doc.path, key_node.start_mark.line + 1, f"'{key}' is given twice"))
                continue
            doc.lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, (*loc, key), doc, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*loc, i), doc, problems) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.append(Problem(doc.path, node.start_mark.line + 1, f"bad value: {exc}"))
        return None


def validate(doc: SourceDoc, model: type[M], loc: Loc = ()) -> M:
    """Validate the document (or the part at `loc`) against a pydantic model, errors with lines."""
    data = doc.data
    for part in loc:
        data = data[part]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            where = _data_path(data, tuple(err["loc"]))
            shown = ".".join(str(p) for p in (*loc, *where))
            problem = doc.problem((*loc, *where), f"{shown}: {err['msg']}" if shown else err["msg"])
            if problem not in problems:
                problems.append(problem)
        raise SourceError(problems) from None


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_key(part: str) -> bool:
    return not part[:1].isupper() and "[" not in part


def _data_path(data: Any, loc: Loc) -> Loc:
    """The part of pydantic's error location that names real keys and indexes of the data.

    Union members add tags such as 'tuple[AgencySpec, ...]' to the location; they are not in the
    file, so they are dropped to find (and show) the place the user must edit.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if _has(node, part):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and _is_key(part):
            path.append(part)  # a missing key is reported at its parent, naming the key
            break
        # anything else is a union member's tag, not a place in the file
    return tuple(path)
