"""Registry of job handlers, periodic schedules and event subscriptions.

Packages declare them in their `tasks.py` with the decorators below; a worker imports every
such module with `load_task_modules()` before it starts.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cuenty.kit.jobs.context import JobContext
from cuenty.kit.jobs.retry import DEFAULT_POLICY, RetryPolicy
from cuenty.kit.jobs.schedule import validate_cron

HandlerFunction = Callable[[JobContext, dict[str, Any]], Awaitable[None]]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# Modules of the kit that declare jobs; domain packages are found by their tasks.py.
KIT_TASK_MODULES = ("cuenty.kit.jobs.maintenance",)


class UnknownJobError(LookupError):
    """Raised when a job names a handler that no loaded module registered."""


@dataclass(frozen=True)
class Handler:
    name: str
    function: HandlerFunction
    retry: RetryPolicy
    timeout_seconds: float | None

    @property
    def max_attempts(self) -> int:
        return self.retry.max_attempts


@dataclass(frozen=True)
class Schedule:
    """A handler run on a cron schedule; `key` distinguishes two schedules of one handler."""

    handler: str
    cron: str
    key: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.handler}:{self.key}" if self.key else self.handler


@dataclass(frozen=True)
class Subscription:
    handler: str
    ordered: bool = False


@dataclass
class JobRegistry:
    handlers: dict[str, Handler] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    subscriptions: dict[str, list[Subscription]] = field(default_factory=dict)

    def handler(
        self,
        name: str,
        *,
        max_attempts: int | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float | None = None,
    ) -> Callable[[HandlerFunction], HandlerFunction]:
        """Register `async def f(context, payload)` under a dotted name such as
        `webhooks.deliver`. Handlers must be idempotent: a job can run more than once.
        """
        check_name(name)
        policy = retry or DEFAULT_POLICY
        if max_attempts is not None:
            policy = RetryPolicy(**{**policy.__dict__, "max_attempts": max_attempts})

        def register(function: HandlerFunction) -> HandlerFunction:
            existing = self.handlers.get(name)
            if existing is not None and existing.function is not function:
                raise ValueError(f"job handler {name!r} is already registered")
            self.handlers[name] = Handler(name, function, policy, timeout_seconds)
            return function

        return register

    def periodic(
        self, handler: str, cron: str, *, key: str = "", payload: Mapping[str, Any] | None = None
    ) -> Schedule:
        """Run the named handler on a cron schedule (UTC), once per period across workers."""
        schedule = Schedule(handler, validate_cron(cron), key, dict(payload or {}))
        if schedule.id in self.schedules and self.schedules[schedule.id] != schedule:
            raise ValueError(f"schedule {schedule.id!r} is already registered")
        self.schedules[schedule.id] = schedule
        return schedule

    def subscribe(self, event_type: str, handler: str, *, ordered: bool = False) -> None:
        """Run the named handler once for every published event of that type.

        `ordered`: the handler's runs for all its events go one at a time, in publishing order.
        """
        check_name(event_type)
        subscribers = self.subscriptions.setdefault(event_type, [])
        subscription = Subscription(handler, ordered)
        if subscription not in subscribers:
            subscribers.append(subscription)

    def get(self, name: str) -> Handler:
        try:
            return self.handlers[name]
        except KeyError:
            raise UnknownJobError(f"no job handler is registered as {name!r}") from None

    def subscribers(self, event_type: str) -> list[Subscription]:
        return list(self.subscriptions.get(event_type, ()))


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name) or len(name) > 120:
        raise ValueError(
            f"invalid job or event name {name!r}: use dotted lower-case words such as "
            "'webhooks.deliver', at most 120 characters"
        )
    return name


def load_task_modules(package: str = "cuenty", extra: Iterable[str] = ()) -> list[str]:
    """Import the kit's job modules, every `<package>.<name>.tasks` and the `extra` modules;
    return their names.
    """
    root = importlib.import_module(package)
    names = [*KIT_TASK_MODULES, *extra]
    for module in pkgutil.iter_modules(root.__path__):
        if module.ispkg and _has_tasks_module(f"{package}.{module.name}"):
            names.append(f"{package}.{module.name}.tasks")
    for name in names:
        importlib.import_module(name)
    return names


def _has_tasks_module(package: str) -> bool:
    spec = importlib.util.find_spec(package)
    locations = spec.submodule_search_locations if spec else None
    return any(module.name == "tasks" for module in pkgutil.iter_modules(list(locations or [])))


registry = JobRegistry()
