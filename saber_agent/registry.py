"""The one plugin manager: entry points, an allow-list, plugin modules, and what is registered.

Plugins load lazily and once. In-tree plugins are entry points of the group ``saber_agent``, like
any third-party package's. Settings come from the environment:

- ``SABER_AGENT_PLUGINS``: comma-separated allow-list of plugin (entry point) names to load;
  unset loads every installed plugin.
- ``SABER_AGENT_PLUGIN_MODULES``: comma-separated extra plugin modules, each a dotted module name
  or a path to a ``.py`` file (a plugin that is a single module outside any package).
- ``SABER_AGENT_TRACE_HOOKS=1``: print every hook call.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from saber_agent import hookspecs
from saber_agent.checking import ConsistencyCheck
from saber_agent.evidence import PERCEPTION_SLOTS
from saber_agent.options import reasoner_option_problem
from saber_agent.perception import PerceptionTool
from saber_agent.reasoning import Reasoner
from saber_agent.registry_run import BUILTIN_PREFIX, ReasonerOptionsError, RunChoice, ToolOptionsError, ToolSlotError

ENTRY_POINT_GROUP = "saber_agent"
ENV_ALLOW = "SABER_AGENT_PLUGINS"
ENV_MODULES = "SABER_AGENT_PLUGIN_MODULES"
ENV_TRACE = "SABER_AGENT_TRACE_HOOKS"

# every name importers read from here (which tools a run uses and the check of its settings moved to registry_run)
__all__ = [
    "BUILTIN_PREFIX", "ENTRY_POINT_GROUP", "ENV_ALLOW", "ENV_MODULES", "ENV_TRACE", "ExporterEntry", "PluginError",
    "ReasonerEntry", "ReasonerOptionsError", "Registry", "RunChoice", "ToolOptionsError", "ToolSlotError",
    "UnknownComponentError", "get_registry", "load_module", "reasoner_option_problem", "set_registry",
]


class PluginError(Exception):
    """A plugin that cannot be loaded or registers something invalid."""


class UnknownComponentError(KeyError):
    """A tool, reasoner or exporter name that no loaded plugin registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass
class ReasonerEntry:
    name: str
    factory: Callable[..., Reasoner]
    description: str
    plugin: str


@dataclass
class ExporterEntry:
    name: str
    export: Callable[[Any], str]
    suffix: str
    plugin: str


@dataclass
class Registry(RunChoice):
    """What the loaded plugins registered: perception tools, reasoners, checks and exporters (which of them a run
    uses, and the check of its settings, in `RunChoice`)."""

    allow: list[str] | None = None
    modules: list[str] = field(default_factory=list)
    entry_points: bool = True
    trace: bool = False

    def __post_init__(self) -> None:
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.tools: dict[str, PerceptionTool] = {}
        self.reasoners: dict[str, ReasonerEntry] = {}
        self.checks: dict[str, ConsistencyCheck] = {}
        self.exporters: dict[str, ExporterEntry] = {}
        self.owners: dict[tuple[str, str], str] = {}  # (kind, name) -> plugin
        self.errors: list[str] = []
        self._reasoner_instances: dict[tuple, Reasoner] = {}
        self._loaded = False
        self._lock = threading.RLock()

    @classmethod
    def from_env(cls) -> Registry:
        allow = os.environ.get(ENV_ALLOW)
        modules = os.environ.get(ENV_MODULES, "")
        return cls(
            allow=_split(allow) if allow is not None else None,
            modules=_split(modules),
            trace=os.environ.get(ENV_TRACE, "") not in ("", "0"),
        )

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> Registry:
        """Load the plugins once (idempotent) and collect what they register."""
        with self._lock:
            if self._loaded:
                return self
            self._loaded = True
            if self.trace:
                self.pm.trace.root.setwriter(lambda msg: print(msg, end="", file=sys.stderr))
                self.pm.enable_tracing()
            if self.entry_points:
                self._load_entry_points()
            for spec in self.modules:
                name = Path(spec).stem if spec.endswith(".py") else spec
                try:
                    # registered with the manager only: the _collect() below collects it once
                    # (register_module would collect it a second time, as a duplicate)
                    if self.pm.get_plugin(name) is None:
                        self.pm.register(load_module(spec), name=name)
                except PluginError as exc:
                    self.errors.append(str(exc))
            self._collect()
            return self

    def _load_entry_points(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if self.allow is not None and ep.name not in self.allow:
                continue
            if self.pm.get_plugin(ep.name) is not None:
                continue
            try:
                self.pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken plugin must not take the others down
                self.errors.append(f"plugin {ep.name!r} failed to load: {type(exc).__name__}: {exc}")

    def register_module(self, module: Any, name: str | None = None) -> None:
        """Register a plugin object (usually a module) directly, e.g. from a test or a notebook."""
        name = name or getattr(module, "__name__", None) or repr(module)
        if self.pm.get_plugin(name) is None:
            self.pm.register(module, name=name)
        if self._loaded:
            self._collect(only=name)

    def _collect(self, only: str | None = None) -> None:
        for hook_name, register in (
            ("register_perception_tools", self._register_tool),
            ("register_reasoners", self._register_reasoner),
            ("register_checks", self._register_check),
            ("register_exporters", self._register_exporter),
        ):
            hook = getattr(self.pm.hook, hook_name)
            # call each plugin's implementation on its own: a failure names its plugin, and what it
            # registers is attributed to it
            for impl in reversed(hook.get_hookimpls()):
                if only is not None and impl.plugin_name != only:
                    continue
                plugin = impl.plugin_name

                def bound(*args, _plugin=plugin, _register=register, **kwargs):
                    try:
                        _register(_plugin, *args, **kwargs)
                    except PluginError as exc:
                        self.errors.append(str(exc))

                try:
                    if self.trace:
                        print(f"hook {hook_name} -> {plugin}", file=sys.stderr)
                    impl.function(register=bound)
                except Exception as exc:
                    self.errors.append(f"plugin {plugin!r} failed in {hook_name}: {type(exc).__name__}: {exc}")

    def _claim(self, kind: str, name: Any, plugin: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise PluginError(f"plugin {plugin!r} registered a {kind} without a name")
        owner = self.owners.get((kind, name))
        if owner is not None:
            raise PluginError(f"plugin {plugin!r} registered the {kind} {name!r}, already registered by {owner!r}; ignored")
        self.owners[(kind, name)] = plugin

    def _register_tool(self, plugin: str, tool: PerceptionTool) -> None:
        if not isinstance(tool, PerceptionTool):
            raise PluginError(f"plugin {plugin!r} registered {tool!r}, which is not a PerceptionTool")
        if getattr(tool, "slot", None) not in PERCEPTION_SLOTS:
            raise PluginError(
                f"plugin {plugin!r}: tool {getattr(tool, 'name', tool)!r} fills slot "
                f"{getattr(tool, 'slot', None)!r}, not one of {', '.join(PERCEPTION_SLOTS)}"
            )
        self._claim("perception tool", getattr(tool, "name", None), plugin)
        self.tools[tool.name] = tool

    def _register_reasoner(self, plugin: str, name: str, factory: Callable[..., Reasoner], description: str = "") -> None:
        if not callable(factory):
            raise PluginError(f"plugin {plugin!r}: reasoner {name!r} has no callable factory")
        self._claim("reasoner", name, plugin)
        self.reasoners[name] = ReasonerEntry(name, factory, description, plugin)

    def _register_check(self, plugin: str, check: ConsistencyCheck) -> None:
        if not isinstance(check, ConsistencyCheck):
            raise PluginError(f"plugin {plugin!r} registered {check!r}, which is not a ConsistencyCheck")
        self._claim("check", getattr(check, "name", None), plugin)
        self.checks[check.name] = check

    def _register_exporter(self, plugin: str, name: str, export: Callable[[Any], str], suffix: str = ".txt") -> None:
        if not callable(export):
            raise PluginError(f"plugin {plugin!r}: exporter {name!r} is not callable")
        self._claim("exporter", name, plugin)
        self.exporters[name] = ExporterEntry(name, export, suffix, plugin)

    # -- lookup --------------------------------------------------------------------------------

    def tool(self, name: str) -> PerceptionTool:
        self.load()
        if name not in self.tools:
            raise UnknownComponentError(
                f"no perception tool named {name!r}; loaded: {', '.join(sorted(self.tools)) or 'none'}"
            )
        return self.tools[name]

    def reasoner(self, name: str, options: dict[str, Any] | None = None) -> Reasoner:
        """The reasoner `name` built with `options`: built once per process and options."""
        entry = self._reasoner_entry(name)
        key = (name, _freeze(options or {}))
        with self._lock:
            if key not in self._reasoner_instances:
                self._reasoner_instances[key] = entry.factory(**(options or {}))
            return self._reasoner_instances[key]

    def _reasoner_entry(self, name: str) -> ReasonerEntry:
        """The registered reasoner `name`; UnknownComponentError listing the loaded ones otherwise."""
        self.load()
        if name not in self.reasoners:
            raise UnknownComponentError(
                f"no reasoner named {name!r}; loaded: {', '.join(sorted(self.reasoners)) or 'none'}"
            )
        return self.reasoners[name]

    def exporter(self, name: str) -> ExporterEntry:
        self.load()
        if name not in self.exporters:
            raise UnknownComponentError(
                f"no exporter named {name!r}; loaded: {', '.join(sorted(self.exporters)) or 'none'}"
            )
        return self.exporters[name]

    def plugin_names(self) -> list[str]:
        self.load()
        return sorted(name for name, _ in self.pm.list_name_plugin())


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def load_module(spec: str) -> Any:
    """Import a plugin module by dotted name or from a ``.py`` file path."""
    if spec.endswith(".py") or os.sep in spec:
        path = Path(spec)
        if not path.is_file():
            raise PluginError(f"plugin module {spec!r}: no such file")
        mod_name = f"saber_agent_external_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(mod_name, path)
        if module_spec is None or module_spec.loader is None:
            raise PluginError(f"plugin module {spec!r}: cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(mod_name, None)
            raise PluginError(f"plugin module {spec!r} failed to import: {type(exc).__name__}: {exc}") from None
        return module
    try:
        return importlib.import_module(spec)
    except Exception as exc:
        raise PluginError(f"plugin module {spec!r} failed to import: {type(exc).__name__}: {exc}") from None


_default: Registry | None = None
_default_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, configured from the environment and loaded on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry.from_env()
    return _default.load()


def set_registry(registry: Registry | None) -> None:
    """Replace the process-wide registry (None: rebuild it from the environment on next use)."""
    global _default
    with _default_lock:
        _default = registry
