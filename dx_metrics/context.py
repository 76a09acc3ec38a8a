"""What a computation reads besides its tables, as one value passed in: the workspace, its
overlays of the bundled registries (``units.csv``, ``columns.yaml``, ``indicators.yaml``) and
the ``DX_METRICS_*`` settings.

    ctx = Context.of_plan("params/baclieu_dot_2023.yaml")     # its workspace, the settings now
    with ctx.applied():
        observations = compute_indicators(tables)              # or compute_indicators(tables, context=ctx)

``applied()`` puts the context in force for a block and puts back what was in force before
when the block ends, even on an error: building one workspace's report no longer switches the
registries of everything that runs after it in the process. A setting is read from the
context's own values inside the block (``settings.value``), never from the environment of the
moment; ``Context.of_*`` takes them from the environment once, when the context is made.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from dx_metrics import registry, settings, units, workspace
from dx_metrics.ingest import header
from dx_metrics.workspace import put_overlays

T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    root: Path | None = None                 # the workspace (None: the bundled registries alone)
    units_file: Path | None = None           # the overlays in force (None: none)
    columns_file: Path | None = None
    indicators_file: Path | None = None
    settings: Mapping[str, str] = field(default_factory=dict)    # DX_METRICS_* -> value; unset: default

    @classmethod
    def of_workspace(cls, ws: workspace.Workspace, *, env: Mapping[str, str] | None = None) -> Context:
        """The context of ``ws``: the overlays it holds, the settings of ``env`` (default: the
        environment, now)."""
        def present(p: Path) -> Path | None:
            return p.resolve() if p.is_file() else None

        return cls(root=ws.root, units_file=present(ws.units_file), columns_file=present(ws.columns_file),
                   indicators_file=present(ws.indicators_file), settings=settings.snapshot(env))

    @classmethod
    def in_force(cls) -> Context:
        """The overlays in force now (what a command put in force, else none) and the settings
        of the environment now."""
        return cls(units_file=units.overlay(), columns_file=header.overlay(), indicators_file=registry.overlay(),
                   settings=settings.snapshot())

    @classmethod
    def of_plan(cls, plan_path: str | Path, *, env: Mapping[str, str] | None = None) -> Context:
        return cls.of_workspace(workspace.of_plan(plan_path), env=env)

    @classmethod
    def of_folder(cls, folder: str | Path, *, env: Mapping[str, str] | None = None) -> Context:
        return cls.of_workspace(workspace.of_folder(folder), env=env)

    def with_settings(self, **values: str) -> Context:
        """The same context with some settings changed (``with_settings(DX_METRICS_ENGINE="spark")``)."""
        return replace(self, settings={**self.settings, **values})

    @contextlib.contextmanager
    def applied(self) -> Iterator[list[str]]:
        """The context in force for a block; what was in force before, back after it. Yields the
        lines the unit registry overlay says (bundled rows it replaces). An overlay that cannot
        be used raises ``DxDataError`` before the block runs, with nothing changed."""
        before = (header.overlay(), registry.overlay(), units.overlay())
        try:
            said = put_overlays(self.columns_file, self.indicators_file, self.units_file)
            with settings.in_force(self.settings):
                yield said
        finally:
            _restore(before)


def _restore(before: tuple[Path | None, Path | None, Path | None]) -> None:
    """The overlays ``before`` in force again (the bundled tables where one cannot be: deleted meanwhile)."""
    with contextlib.suppress(Exception):
        put_overlays(*before)
    if (header.overlay(), registry.overlay(), units.overlay()) != before:
        put_overlays(None, None, None)


def in_its_context(render: Callable[..., T]) -> Callable[..., T]:
    """For a function of a report (its first argument): the report's context (``r.context``, the
    one it was built in) in force while it runs, so that it names units and indicators as the
    report's workspace does, whatever is in force around it. A report without one: as it is."""
    @functools.wraps(render)
    def rendered(r, *args, **kwargs):
        context = getattr(r, "context", None)
        if context is None:
            return render(r, *args, **kwargs)
        with context.applied():
            return render(r, *args, **kwargs)
    return rendered
