"""Demo data of the maps app, loaded by `parindex.web.demo.load_demo`."""


def load_demo_maps() -> None:
    """Never raises: the demo must load even if this part fails (the failure is logged)."""
