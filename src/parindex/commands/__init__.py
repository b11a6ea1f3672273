"""CLI command groups. Each module exposes `register(app)`; `parindex.cli` wires them.

Commands are the shell: they read and write files, call the core, and print.
"""
