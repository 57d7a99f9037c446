"""The registry that seed_demo composes: ordering by dependencies, each step once, loud mistakes."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core.demo import DemoContext, DemoRegistry, DemoStep, discover_demo_steps

pytestmark = pytest.mark.django_db


def _recording(calls: list[str], name: str):
    def step(ctx: DemoContext) -> str:
        calls.append(name)
        return f"{name} done"

    step.__qualname__ = f"step_{name}"
    return step


def _registry(calls: list[str], *steps: tuple[str, tuple[str, ...]]) -> DemoRegistry:
    registry = DemoRegistry()
    for name, after in steps:
        registry.register(DemoStep(name, _recording(calls, name), after))
    return registry


def test_steps_run_once_each_after_what_they_depend_on_else_in_registration_order():
    calls: list[str] = []
    registry = _registry(
        calls,
        ("feed.posts", ("accounts.users", "departments.memberships")),
        ("departments.memberships", ("accounts.users", "departments.departments")),
        ("voting.boards", ("departments.memberships",)),
        ("accounts.users", ()),
        ("departments.departments", ()),
    )
    summaries = registry.run(DemoContext(options={}))
    assert calls == [
        "accounts.users", "departments.departments", "departments.memberships", "feed.posts", "voting.boards",
    ]  # fmt: skip
    assert summaries == [f"{name} done" for name in calls]


def test_an_unknown_dependency_a_cycle_and_a_name_taken_twice_are_configuration_errors():
    calls: list[str] = []
    with pytest.raises(ImproperlyConfigured, match=r"unknown steps: videos\.playlists"):
        _registry(calls, ("games.plans", ("videos.playlists",))).steps()
    with pytest.raises(ImproperlyConfigured, match="cycle: a, b"):
        _registry(calls, ("a", ("b",)), ("b", ("a",)), ("c", ())).steps()
    registry = _registry(calls, ("a", ()))
    with pytest.raises(ImproperlyConfigured, match="Two demo steps are named 'a'"):
        registry.register(DemoStep("a", lambda ctx: None))
    assert calls == []


def test_an_atomic_step_that_fails_leaves_nothing_behind():
    from apps.accounts.models import User

    def half_done(ctx: DemoContext) -> None:
        User.objects.create(email="half@example.com")
        raise RuntimeError("interrupted")

    registry = DemoRegistry()
    registry.register(DemoStep("accounts.half", half_done))
    with pytest.raises(RuntimeError, match="interrupted"):
        registry.run(DemoContext(options={}))
    assert not User.objects.filter(email="half@example.com").exists()


def test_the_context_gives_each_name_its_own_repeatable_generator():
    ctx = DemoContext(options={}, seed=7)
    assert ctx.random("posts").random() == ctx.random("posts").random() != ctx.random("chat").random()
    assert DemoContext(options={}, seed=8).random("posts").random() != ctx.random("posts").random()


def test_every_app_declares_its_own_steps_and_each_comes_after_its_dependencies():
    steps = discover_demo_steps().steps()
    names = [step.name for step in steps]
    assert len(names) == len(set(names))
    assert set(names) >= {
        "accounts.users", "departments.departments", "departments.memberships", "people.profiles",
        "people.org_chart", "people.photos", "feed.posts", "chat.history", "voting.boards",
    }  # fmt: skip
    for step in steps:
        app_label = step.name.split(".")[0]
        assert step.function.__module__ == f"apps.{app_label}.demo"  # declared by the app that owns the data
        assert all(names.index(dependency) < names.index(step.name) for dependency in step.after)


def test_the_order_follows_installed_apps_whichever_demo_module_was_imported_first():
    declared = discover_demo_steps().steps()
    imported_the_other_way = DemoRegistry()
    for step in sorted(declared, key=lambda step: step.name.split(".")[0], reverse=True):  # each app's own order kept
        imported_the_other_way.register(step)
    assert imported_the_other_way.steps() == declared
    assert [step.name for step in declared][:4] == [
        "accounts.users", "people.profiles", "people.photos", "departments.departments",
    ]  # fmt: skip


def test_the_demo_registry_and_the_command_import_no_app():
    """apps/core composes the steps; only type hints may name the apps (under TYPE_CHECKING)."""
    core = Path(__file__).resolve().parents[2] / "apps" / "core"
    for path in [core / "demo.py", core / "management" / "commands" / "seed_demo.py"]:
        tree = ast.parse(path.read_text())
        type_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
            for node in ast.walk(block)
        }
        imported = [
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in type_only
            for alias in node.names
        ]
        assert [m for m in imported if m and m.startswith("apps.") and not m.startswith("apps.core")] == [], path
