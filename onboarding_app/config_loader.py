"""Reading a config file into an ``OnboardingConfig``, or a ``ConfigError`` that lists every problem.

Each problem names the key path (``flow_logs.subnet_ids[0]``), the value received and what was
expected. No Python traceback reaches the user for a mistake in the file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from .config import OnboardingConfig


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """The config file cannot be used; ``problems`` says why, one entry per problem."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        header = f"{self.source}: {count} problem{'s' if count != 1 else ''}; nothing was synthesized or deployed."
        return "\n".join([header, *(f"  - {problem}" for problem in self.problems)])


def load_config(path: str | Path) -> OnboardingConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", "file not found (pass an existing file: make synth CONFIG=path/to/file.yaml)")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), [Problem("", f"cannot be read: {error}")]) from None
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<config>") -> OnboardingConfig:
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ConfigError(source, [Problem("", _describe_yaml_error(error))]) from None
    if data is None:
        raise ConfigError(source, [Problem("", "the file is empty (expected a mapping with at least region and flow_logs)")])
    return config_from_mapping(data, source=source)


def config_from_mapping(data: Any, *, source: str = "<config>") -> OnboardingConfig:
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", f"expected a mapping of keys at the top level, got {_kind(data)}")])
    try:
        return OnboardingConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(source, [_describe(e) for e in error.errors(include_url=False)]) from None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value, not a list or mapping", key_node.start_mark
                ) from None
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    f"while reading the mapping at line {node.start_mark.line + 1}",
                    None,
                    f"the key {key!r} is given twice (first at line {first.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_mapping)


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"not valid YAML: {where}{problem}"


def _describe(error: dict[str, Any]) -> Problem:
    context = error.get("ctx") or {}
    loc = tuple(error["loc"])
    path = context.get("path") or _format_path(loc)
    value = error.get("input")
    kind = error["type"]
    if kind == "invalid_value":
        message = context["problem"]
    elif kind == "extra_forbidden":
        message = _unknown_key_message(loc)
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "literal_error":
        message = f"{value!r} is not allowed (expected {context['expected']})"
    elif kind in ("string_type", "str_type"):
        message = f"expected text, got {_kind(value)} {value!r} (put it in quotes)"
    elif kind == "bool_type":
        message = f"expected true or false, got {_kind(value)} {value!r}"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"expected a whole number, got {_kind(value)} {value!r}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        limit = context.get("ge", context.get("le"))
        message = f"{value!r} is out of range (expected {bound} {limit}, or null)"
    elif kind == "list_type":
        message = f"expected a list, got {_kind(value)} {value!r}"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"expected a mapping of keys, got {_kind(value)} {value!r}"
    elif kind == "too_long":
        message = f"too many entries (expected at most {context.get('max_length')})"
    else:
        message = f"{error['msg']} (got {value!r})"
    return Problem(path, message)


def _format_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            path += " (key)"
        elif isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _unknown_key_message(loc: tuple[Any, ...]) -> str:
    allowed = sorted(_model_at(loc[:-1]).model_fields)
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key {key!r}; {hint}expected one of: {', '.join(allowed)}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The section model a key path points into (list indices are skipped)."""
    model: type[BaseModel] = OnboardingConfig
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        model = next(c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel))
    return model


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }.get(type(value), type(value).__name__)
