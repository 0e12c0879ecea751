"""saber-agent plugins: what is loaded, which slot each tool fills, and whether it can run here."""

from __future__ import annotations

import json

NAME = "plugins"
HELP = "List loaded plugins: perception tools (slot, readiness, options), reasoners (options), checks, exporters."


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print as JSON")


def describe() -> dict:
    from saber_agent.options import option_rows, reasoner_options_model
    from saber_agent.registry import get_registry

    registry = get_registry()
    tools = []
    for name, tool in registry.tools.items():
        availability = tool.availability()
        tools.append({
            "name": name, "slot": tool.slot, "plugin": registry.owners[("perception tool", name)],
            "needs": sorted(tool.needs), "version": tool.version, "ready": availability.ready,
            "detail": availability.detail, "description": tool.description,
            "options": option_rows(tool.options_model),  # None: the tool declares none (any are passed on)
        })
    return {
        "plugins": registry.plugin_names(),
        "perception_tools": tools,
        "reasoners": [  # options: None for a factory taking any (**kwargs)
            {"name": e.name, "plugin": e.plugin, "description": e.description,
             "options": option_rows(reasoner_options_model(e.factory))} for e in registry.reasoners.values()
        ],
        "checks": [
            {"name": c.name, "plugin": registry.owners[("check", c.name)], "description": c.description}
            for c in registry.checks.values()
        ],
        "exporters": [{"name": e.name, "plugin": e.plugin, "suffix": e.suffix} for e in registry.exporters.values()],
        "errors": list(registry.errors),
        # a tool filling a slot another tool fills by default runs only when named (Registry.default_tools)
        "slot_clashes": registry.slot_clashes(),
    }


def run(args) -> int:
    from saber_agent.options import option_lines

    info = describe()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print("Plugins: " + (", ".join(info["plugins"]) or "none"))
    print("\nPerception tools")
    for t in info["perception_tools"]:
        state = "ready" if t["ready"] else f"NOT READY: {t['detail']}"
        print(f"  {t['name']:<12} -> {t['slot']:<16} needs {','.join(t['needs']) or '-':<13} [{t['plugin']}] {state}")
        print("\n".join(option_lines(t["options"])))
    print("\nReasoners")
    for r in info["reasoners"]:
        print(f"  {r['name']:<12} [{r['plugin']}] {r['description']}")
        print("\n".join(option_lines(r["options"])))
    print("\nConsistency checks")
    for c in info["checks"]:
        print(f"  {c['name']:<26} [{c['plugin']}] {c['description']}")
    print("\nExporters")
    for e in info["exporters"]:
        print(f"  {e['name']:<12} [{e['plugin']}] {e['suffix']}")
    if info["slot_clashes"]:
        print("\nSlot clashes (one tool fills each slot per run)")
        for note in info["slot_clashes"]:
            print(f"  {note}")
    if info["errors"]:
        print("\nLoad errors")
        for err in info["errors"]:
            print(f"  {err}")
    return 0
