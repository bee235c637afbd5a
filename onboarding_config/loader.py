"""Reading a config file into an ``OnboardingConfig``, or a ``ConfigError`` that lists every problem.

Each problem names the key path (``flow_logs.subnet_ids[0]``), the value received and what was
expected. No Python traceback reaches the user for a mistake in the file.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .model import OnboardingConfig
from .value_types import UnquotedNumber


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
        return self.report("nothing was synthesized or deployed")

    def report(self, consequence: str) -> str:
        """One line naming the file, the count and ``consequence``, then one line per problem."""
        count = len(self.problems)
        header = f"{self.source}: {count} problem{'s' if count != 1 else ''}; {consequence}."
        return "\n".join([header, *(f"  - {problem}" for problem in self.problems)])


#: The config every command uses when none is given: it synthesizes with no AWS account.
DEFAULT_CONFIG = "config/example.yaml"


def load_config(path: str | Path) -> OnboardingConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            str(path), [Problem("", "file not found (pass an existing file: make <target> CONFIG=path/to/file.yaml)")]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), [Problem("", f"cannot be read: {error}")]) from None
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<config>") -> OnboardingConfig:
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise ConfigError(source, [Problem("", _describe_yaml_error(error, text))]) from None
    except RecursionError:
        raise ConfigError(source, [Problem("", _TOO_DEEP)]) from None
    if data is None:
        raise ConfigError(
            source, [Problem("", "the file is empty (expected a mapping with at least region and flow_logs)")]
        )
    return config_from_mapping(data, source=source)


def config_from_mapping(data: Any, *, source: str = "<config>") -> OnboardingConfig:
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", f"expected a mapping of keys at the top level, got {_kind(data)}")])
    try:
        return OnboardingConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            source, [problem for e in error.errors(include_url=False) for problem in _describe(e)]
        ) from None
    except RecursionError:
        raise ConfigError(source, [Problem("", _TOO_DEEP)]) from None


_TOO_DEEP = "the file is nested too deeply to be a config (expected the sections described in docs/configuration.md)"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice instead of silently keeping the last one, and keeps
    date-like text (``2024-01-01``) as text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *anchor`; keys written here override merged ones
                continue
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

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        # YAML 1.1 reads 0-prefixed digits as octal (011 is 9): keep the digits as written, marked
        # as unquoted, so an account id keeps its leading zero in messages.
        text = self.construct_scalar(node)
        if isinstance(text, str) and re.fullmatch(r"0[0-9_]+", text):
            return UnquotedNumber(text)
        return super().construct_yaml_int(node)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _describe_yaml_error(error: yaml.YAMLError, text: str) -> str:
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
        # PyYAML gives the character's code point.
        character = chr(error.character) if isinstance(error.character, int) else error.character
        return f"not valid YAML: line {line}: the character {character!r} is not allowed in a YAML file"
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return " ".join(f"not valid YAML: {where}{problem}".split())


def _describe(error: ErrorDetails) -> list[Problem]:
    context = error.get("ctx") or {}
    loc = tuple(error["loc"])
    path = context.get("path") or _format_path(loc)
    value = error.get("input")
    kind = error["type"]
    if kind == "invalid_value" and "problems" in context:  # several problems found by one validator
        return [Problem(where or path, problem) for where, problem in context["problems"]]
    if kind == "invalid_value":
        message = context["problem"]
    elif kind == "extra_forbidden":
        message = _unknown_key_message(loc)
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "literal_error":
        message = f"{value!r} is not allowed (expected {context['expected']})"
    elif kind in ("string_type", "str_type"):
        message = f"expected text, got {_shown(value)} (put it in quotes)"
    elif kind == "bool_type":
        message = f"expected true or false, got {_shown(value)}"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"expected a whole number, got {_shown(value)}"
    elif kind in ("greater_than_equal", "less_than_equal"):
        bound = "at least" if kind == "greater_than_equal" else "at most"
        limit = context.get("ge", context.get("le"))
        message = f"{value!r} is out of range (expected {bound} {limit}, or null)"
    elif kind in ("list_type", "tuple_type"):
        message = f"expected a list, got {_shown(value)}"
    elif kind in ("dict_type", "mapping_type", "model_type", "model_attributes_type"):
        message = f"expected a mapping of keys, got {_shown(value)}"
    elif kind == "too_long":
        message = f"too many entries (expected at most {context.get('max_length')})"
    else:
        message = f"{error['msg']} (got {value!r})"
    return [Problem(path, message)]


def _format_path(loc: tuple[Any, ...]) -> str:
    """``flow_logs.subnet_ids[0]``: list positions in brackets, mapping keys (even numbers) after dots."""
    path = ""
    for part, is_position, _reached in _steps(loc):
        if part == "[key]":
            path += " (key)"
        elif is_position:
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _steps(loc: tuple[Any, ...]) -> Iterable[tuple[Any, bool, Any]]:
    """Each part of a location, whether it is a list position, and the type of the value it reaches."""
    annotation: Any = OnboardingConfig
    for part in loc:
        annotation = _unwrap(annotation)
        origin = get_origin(annotation)
        if part == "[key]":
            yield part, False, None
            continue
        if origin in (list, tuple) and isinstance(part, int):
            annotation, is_position = get_args(annotation)[0], True
        elif origin in (dict, Mapping):
            annotation, is_position = get_args(annotation)[1], False
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part) if isinstance(part, str) else None
            annotation, is_position = (field.annotation if field is not None else None), False
        else:
            annotation, is_position = None, False
        yield part, is_position, annotation


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to the type that holds the data."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _unknown_key_message(loc: tuple[Any, ...]) -> str:
    allowed = sorted(_model_at(loc[:-1]).model_fields)
    key = str(loc[-1])
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key {key!r}; {hint}expected one of: {', '.join(allowed)}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The section model a key path points into."""
    model: Any = OnboardingConfig
    for _part, _is_position, annotation in _steps(loc):
        model = annotation
    return _unwrap(model)


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{_kind(value)} {value!r}"


def _kind(value: Any) -> str:
    return {
        UnquotedNumber: "an unquoted number",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }.get(type(value), type(value).__name__)
