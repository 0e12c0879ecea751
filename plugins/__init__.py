"""In-tree plugins of saber-agent, each registered through the `saber_agent` entry points."""
