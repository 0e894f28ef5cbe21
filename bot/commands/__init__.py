"""The `/lead` command: its subcommands as a table."""
