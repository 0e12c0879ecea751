"""Agent integrations: the LangChain tool, the MCP server and checkpointed runs."""
