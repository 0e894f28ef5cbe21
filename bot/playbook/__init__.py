"""The playbook: its model, its checks with line numbers, and its field types."""
