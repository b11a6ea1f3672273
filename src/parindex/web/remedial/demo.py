"""Demo data of the remedial app, loaded by `parindex.web.demo.load_demo`."""


def load_demo_remedial() -> None:
    """Never raises: the demo must load even if this part fails (the failure is logged)."""
