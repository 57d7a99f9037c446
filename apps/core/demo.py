"""The registry of demo-data steps that `manage.py seed_demo` composes.

Each app owns its demo data in its own `demo.py` and declares one or more steps there with
`@demo_step`; `seed_demo` imports every installed app's `demo` module, orders the steps by
their dependencies and runs each once. So this module imports no app: an app added later
(videos, game plans, ...) adds a step without touching `apps/core`.

Every step must be idempotent: it adds what is missing and leaves the rest alone, so that a
second run changes nothing and is fast. Draw random numbers from `ctx.random(<name>)`, a
generator of its own per step or per object, never a shared one: a re-run then draws the same
numbers whatever earlier steps skipped.
"""

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandParser
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.departments.models import Department

DEMO_PASSWORD = "intranet-demo-2026"
DEMO_DOMAIN = "example.com"


def demo_email(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


@dataclass
class DemoContext:
    """What the steps share. Earlier steps fill `users` and `departments` for later ones.

    `users[0]` is the admin, `users[1]` alice (manager of the first department, Sales),
    `users[2]` bob (member of Sales); `departments` excludes the company-wide one.
    `data` carries anything else one step hands to a later one, under the step's name.
    """

    options: dict[str, Any]
    seed: int = 42
    password: str = DEMO_PASSWORD
    log: Callable[[str], None] = print
    users: list["User"] = field(default_factory=list)
    departments: list["Department"] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def random(self, name: str) -> random.Random:
        """A generator that depends only on the seed and `name`, e.g. `ctx.random(f"post-{k}")`."""
        return random.Random(f"{self.seed}-{name}")


# A step returns a short summary for the final line ("100000 posts"), or None.
StepFunction = Callable[[DemoContext], str | None]
ArgumentAdder = Callable[[CommandParser], None]


@dataclass(frozen=True)
class DemoStep:
    name: str
    function: StepFunction
    after: tuple[str, ...] = ()
    arguments: ArgumentAdder | None = None
    atomic: bool = True


class DemoRegistry:
    def __init__(self) -> None:
        self._steps: dict[str, DemoStep] = {}

    def register(self, step: DemoStep) -> None:
        known = self._steps.get(step.name)
        if known is not None and _qualified(known.function) != _qualified(step.function):
            raise ImproperlyConfigured(f"Two demo steps are named {step.name!r}.")
        self._steps[step.name] = step

    def steps(self) -> list[DemoStep]:
        """Every step once, each after the steps it names in `after`.

        Otherwise in INSTALLED_APPS order, then in the order an app's module declares them:
        never in import order, which depends on what else the process imported first.
        """
        for step in self._steps.values():
            missing = [name for name in step.after if name not in self._steps]
            if missing:
                raise ImproperlyConfigured(f"Demo step {step.name!r} runs after unknown steps: {', '.join(missing)}.")
        app_index = {config.name: i for i, config in enumerate(django_apps.get_app_configs())}

        def rank(step: DemoStep) -> int:
            config = django_apps.get_containing_app_config(step.function.__module__)
            return app_index[config.name] if config is not None else len(app_index)

        ordered: list[DemoStep] = []
        done: set[str] = set()
        pending = sorted(self._steps.values(), key=rank)  # stable: a module's own order stays
        while pending:
            ready = next((s for s in pending if done.issuperset(s.after)), None)
            if ready is None:
                raise ImproperlyConfigured(f"Demo steps depend on each other in a cycle: {_names(pending)}.")
            ordered.append(ready)
            done.add(ready.name)
            pending.remove(ready)
        return ordered

    def add_arguments(self, parser: CommandParser) -> None:
        for step in self.steps():
            if step.arguments is not None:
                step.arguments(parser)

    def run(self, ctx: DemoContext, *, timed: Callable[[str, float], None] | None = None) -> list[str]:
        """Run every step once, in order; returns their summaries. `timed(name, seconds)` hears of each."""
        summaries = []
        for step in self.steps():
            started = time.monotonic()
            if step.atomic:
                with transaction.atomic():
                    summary = step.function(ctx)
            else:
                summary = step.function(ctx)
            if timed is not None:
                timed(step.name, time.monotonic() - started)
            if summary:
                summaries.append(summary)
        return summaries


registry = DemoRegistry()


def demo_step(
    name: str, *, after: Iterable[str] = (), arguments: ArgumentAdder | None = None, atomic: bool = True
) -> Callable[[StepFunction], StepFunction]:
    """Declare `function(ctx)` as the demo step `name` (by convention `<app label>.<what>`).

    `after` names the steps whose data it needs; `arguments(parser)` adds the step's own
    `seed_demo` options (read back from `ctx.options`); `atomic=False` for a step that
    commits in batches or writes files itself.
    """

    def register(function: StepFunction) -> StepFunction:
        registry.register(DemoStep(name, function, tuple(after), arguments, atomic))
        return function

    return register


def discover_demo_steps() -> DemoRegistry:
    """Import the `demo` module of every installed app, which registers its steps."""
    autodiscover_modules("demo")
    return registry


def _qualified(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _names(steps: Iterable[DemoStep]) -> str:
    return ", ".join(step.name for step in steps)
