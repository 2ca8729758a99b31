"""To-do (待办) providers. Each app registers functions that list a user's pending work.

A provider takes the viewer and returns :class:`TodoItem`s computed from real records, so the
list is never out of step with the data. Later apps (clues, rectification…) add providers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    category: str
    due: dt.date | None = None
    urgent: bool = False
    detail: str = ""


@dataclass(frozen=True)
class Counter:
    label: str
    value: int
    url: str = ""


TodoProvider = Callable[[object], Iterable[TodoItem]]
CounterProvider = Callable[[object], Iterable[Counter]]

_todo_providers: list[TodoProvider] = []
_counter_providers: list[CounterProvider] = []


def todo_provider(fn: TodoProvider) -> TodoProvider:
    """Register a to-do provider (decorator)."""
    _todo_providers.append(fn)
    return fn


def counter_provider(fn: CounterProvider) -> CounterProvider:
    """Register a home-page counter provider (decorator)."""
    _counter_providers.append(fn)
    return fn


def todos_for(viewer) -> list[TodoItem]:
    """Every pending item for ``viewer``, urgent and earliest-due first."""
    items = [item for fn in _todo_providers for item in fn(viewer)]
    return sorted(items, key=lambda i: (not i.urgent, i.due or dt.date.max, i.title))


def counters_for(viewer) -> list[Counter]:
    """The figures on ``viewer``'s home page."""
    return [c for fn in _counter_providers for c in fn(viewer)]
