"""CLI subcommands, one module each: ``NAME``, ``HELP``, ``add_arguments(parser)``, ``run(args) -> int``.

Modules here must import nothing heavy at module level; `saber_agent.cli` discovers them.
"""
