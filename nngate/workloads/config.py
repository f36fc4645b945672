"""The base of every workload config: typed options from strings and clear validation errors.

A config is a frozen dataclass. Its fields are the user's options (`--set key=value` on the CLI,
keyword arguments to `models.build`), so each field's type decides how a string is parsed.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Callable


class ConfigError(ValueError):
    """An option that cannot build a model; the message names the field and why."""


def require(condition: bool, field: str, why: str) -> None:
    """Raise ConfigError naming `field` unless `condition` holds."""
    if not condition:
        raise ConfigError(f"{field}: {why}")


def _parse_value(field: str, annotation, text: str):
    origin = typing.get_origin(annotation)
    try:
        if origin is tuple:
            (item_type, *_) = typing.get_args(annotation)
            return tuple(item_type(part) for part in text.split(",") if part.strip())
        if annotation is int:
            return int(text)
        return str(text)
    except ValueError:
        raise ConfigError(f"{field}: cannot read {text!r} as {_type_name(annotation)}") from None


def _type_name(annotation) -> str:
    if typing.get_origin(annotation) is tuple:
        return "a comma-separated list of integers"
    return "an integer" if annotation is int else "text"


@dataclasses.dataclass(frozen=True)
class WorkloadConfig:
    """Base class: subclasses add fields and override `check`."""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ConfigError for options that cannot build a model."""

    @classmethod
    def from_options(cls, **options) -> WorkloadConfig:
        """Build a config from keyword options; strings are parsed by each field's type."""
        hints = typing.get_type_hints(cls)
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"{unknown[0]}: not an option here (options: {', '.join(sorted(known))})")
        values = {}
        for name, value in options.items():
            if isinstance(value, str):
                value = _parse_value(name, hints[name], value)
            elif typing.get_origin(hints[name]) is tuple and not isinstance(value, tuple):
                value = tuple(value) if isinstance(value, (list, range)) else (value,)
            values[name] = value
        return cls(**values)

    def options(self) -> dict:
        """The config as plain JSON-ready values (tuples become lists)."""
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in dataclasses.asdict(self).items()
        }

    def positive(self, *fields: str) -> None:
        """Check that each named integer field (or every item of a list field) is positive."""
        for field in fields:
            value = getattr(self, field)
            items = value if isinstance(value, tuple) else (value,)
            require(
                all(isinstance(item, int) and item > 0 for item in items) and len(items) > 0,
                field,
                f"must be positive integers, got {value!r}",
            )


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """Turn CLI `key=value` strings into a dict; malformed ones raise ConfigError."""
    options = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{assignment}: expected key=value")
        options[key.strip()] = value.strip()
    return options


def positive_int(text: str) -> int:
    """argparse type for counts (batch size, threads, epochs): the bad value is in the message."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def comma_names(allowed: tuple[str, ...] | Callable[[], tuple[str, ...]]):
    """A parser of a comma list of names from `allowed` (or what it returns when the option is read:
    declared workloads are known only then), each kept once, in the order given."""

    def parse(text: str) -> tuple[str, ...]:
        choices = allowed() if callable(allowed) else allowed
        names = tuple(dict.fromkeys(filter(None, (name.strip() for name in text.split(",")))))
        unknown = [name for name in names if name not in choices]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"{text!r}: choose from {', '.join(choices)} (comma-separated)")
        return names

    return parse
