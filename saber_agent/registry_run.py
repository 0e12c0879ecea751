"""What a run uses, and the one check of its settings: one tool per evidence slot, and its names and options.

`RunChoice` is the part of the plugin registry (`saber_agent.registry.Registry`, its subclass) that reads what the
loaded plugins registered (`tools`, `owners`, the plugin manager `pm`, the lookups `tool` and `_reasoner_entry`) for
one run and builds nothing:

- which tools a run uses, at most one per slot (`tools_for`): the named ones, or each slot's default
  (`default_tools`: a built-in tool first, then the name that sorts first), and the tools left out (`slot_clashes`);
- the check of a run's tool and reasoner names and options before any decoding (`validate_settings`), which raises
  the usage errors here (the CLI exits 2 with them; they are importable from `saber_agent.registry` too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from saber_agent.errors import UsageError
from saber_agent.options import reasoner_option_problem
from saber_agent.perception import PerceptionTool, option_problems
from saber_agent.settings import AnalysisSettings

BUILTIN_PREFIX = "saber_agent.plugins"


class ToolOptionsError(UsageError, ValueError):
    """Tool options that name no loaded tool, or an option or value a tool's `options_model` rejects
    (raised before any decoding; the CLI exits 2 with it)."""


class ReasonerOptionsError(UsageError, ValueError):
    """Reasoner options the reasoner's factory does not take, or a value it cannot convert (raised
    before any decoding and without building the reasoner; the CLI exits 2 with it)."""


class ToolSlotError(UsageError, ValueError):
    """Two tools named for one run that fill the same evidence slot: one tool fills each slot per run, so one of
    them could not run (raised before any decoding; the CLI exits 2 with it)."""


class RunChoice:
    """The tools a run uses and the check of its settings, over what the plugins registered (see the module)."""

    tools: dict[str, PerceptionTool]  # name -> tool, set by `Registry`
    owners: dict[tuple[str, str], str]  # (kind, name) -> plugin, set by `Registry`

    def selected_tools(self, names: Iterable[str] | None) -> list[PerceptionTool]:
        """The tools to run: the named ones (in that order), or every registered one."""
        self.load()
        if names is None:
            return list(self.tools.values())
        return [self.tool(n) for n in names]

    def validate_options(self, tool_name: str, options: Any) -> None:
        """Check one tool's options against its `options_model` (none declared: anything goes).
        Raises ToolOptionsError naming the tool, the option and what it accepts."""
        self.load()
        if tool_name not in self.tools:
            raise ToolOptionsError(
                f"tool options for an unknown tool {tool_name!r}; "
                f"loaded perception tools: {', '.join(sorted(self.tools)) or 'none'}"
            )
        problems = option_problems(self.tools[tool_name], options)
        if problems:
            raise ToolOptionsError("invalid tool option " + "; ".join(problems))

    def validate_tool_options(self, tool_options: Mapping[str, Any]) -> None:
        """Check every tool's options (``AnalysisSettings.tool_options``) before a run; raises
        ToolOptionsError on the first tool whose options are wrong."""
        for tool_name, options in tool_options.items():
            self.validate_options(tool_name, options)

    def validate_reasoner_options(self, name: str, options: Mapping[str, Any] | None) -> None:
        """Check a reasoner's name and options against the pydantic model of its factory's signature
        (`options.reasoner_options_model`) without building it (building loads models): each key must be
        a parameter (a ``**kwargs`` factory takes any), each value fit a simple annotation (int, float,
        bool, str, ``X | None``, ``Literal``) as given. Raises UnknownComponentError for an unknown name,
        ReasonerOptionsError naming the reasoner, the option and the options it takes."""
        problem = reasoner_option_problem(self._reasoner_entry(name).factory, options or {})
        if problem:
            raise ReasonerOptionsError(f"invalid reasoner option {problem[0]} for {name}: {problem[1]}")

    def validate_settings(self, settings: AnalysisSettings) -> None:
        """The one check of a run's names and options before any decoding, used by the CLI, `api.analyze`
        and batch runs: unknown tool or reasoner names raise UnknownComponentError listing the loaded ones,
        two named tools filling one slot ToolSlotError, bad tool options or options for a tool that is not
        in the run ToolOptionsError, bad reasoner options ReasonerOptionsError. Nothing is built."""
        named = self.selected_tools(settings.plugins)
        if settings.plugins is not None:
            by_slot: dict[str, list[str]] = {}
            for tool in named:
                if tool.name not in by_slot.setdefault(tool.slot, []):
                    by_slot[tool.slot].append(tool.name)
            for slot, names in by_slot.items():
                if len(names) > 1:
                    raise ToolSlotError(
                        f"{', '.join(names[:-1])} and {names[-1]} {'both' if len(names) == 2 else 'all'} fill the slot {slot}; "
                        f"one tool fills each slot per run, so {', '.join(names[1:])} would not run: "
                        f"name one of them in plugins (--plugins)"
                    )
        self.validate_tool_options(settings.tool_options)
        run = self.tools_for(settings)
        running = {tool.name for tool in run}
        for tool_name in settings.tool_options:
            if tool_name in running:
                continue
            message = f"{tool_name} is not in this run's tools: {', '.join(t.name for t in run) or 'none'}"
            slot = self.tools[tool_name].slot
            winner = next((t.name for t in run if t.slot == slot), None)
            if settings.plugins is None and winner is not None:
                message += f" ({tool_name} also fills {slot}, where {winner} runs by default; name it in plugins (--plugins) to use it)"
            else:
                message += f"; add {tool_name} to plugins (--plugins) to run it, or drop its options"
            raise ToolOptionsError(message)
        self.validate_reasoner_options(settings.reasoner, settings.reasoner_options)

    def is_builtin(self, tool_name: str) -> bool:
        """Whether a loaded tool comes with saber-agent (an in-tree plugin module under ``saber_agent.plugins``)."""
        plugin = self.pm.get_plugin(self.owners.get(("perception tool", tool_name), ""))
        module = getattr(plugin, "__name__", "") if plugin is not None else ""
        return module == BUILTIN_PREFIX or module.startswith(BUILTIN_PREFIX + ".")

    def default_tools(self) -> dict[str, PerceptionTool]:
        """The tool that fills each slot when no tools are named (slot -> tool), whatever order the plugins were
        installed or discovered in: a built-in tool first, then the tool whose name sorts first."""
        self.load()
        ranked = sorted(self.tools.values(), key=lambda t: (not self.is_builtin(t.name), t.name))
        winners: dict[str, PerceptionTool] = {}
        for tool in ranked:
            winners.setdefault(tool.slot, tool)
        return winners

    def slot_clashes(self) -> list[str]:
        """One note per loaded tool that fills a slot another tool fills by default (it runs only when named)."""
        winners = self.default_tools()
        return [
            f"{tool.name} also fills {tool.slot}; {winners[tool.slot].name} runs by default, "
            f"name it with --plugins to use it"
            for tool in sorted(self.tools.values(), key=lambda t: t.name)
            if winners[tool.slot] is not tool
        ]

    def tools_for(self, settings: AnalysisSettings) -> list[PerceptionTool]:
        """The tools a run with `settings` uses, at most one per slot: the named ones (`validate_settings` refuses
        two named tools for one slot; here the first named wins), or with none named each slot's default
        (`default_tools`: built-in first, deterministic), in registration order."""
        if settings.plugins is None:
            winners = {id(tool) for tool in self.default_tools().values()}
            return [tool for tool in self.tools.values() if id(tool) in winners]
        chosen, seen = [], set()
        for tool in self.selected_tools(settings.plugins):
            if tool.slot not in seen:
                seen.add(tool.slot)
                chosen.append(tool)
        return chosen
