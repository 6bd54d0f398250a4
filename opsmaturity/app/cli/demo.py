"""`opsmaturity demo`: fill the store with the demo organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import CatalogueOpt, catalogue_or_fail, err_console, fail, open_store, say
from .common import out_console as out


def demo(
    reset: Annotated[bool, typer.Option("--reset")] = False,
    workdir: Annotated[Path | None, typer.Option("--workdir")] = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Create a demo organisation: 6 teams with git history, CI, deployments, incidents,
    alert rules, two finalised self-assessments each and a current 12-person workshop."""
    from rich.table import Table

    from opsmaturity.collectors.base import CollectorError

    from ..demo import build_demo, load_demo
    from ..store import StoreError, default_data_dir
    from .progress import progress_bar
    from .store import risk_index, risk_word

    cat = catalogue_or_fail(catalogue)
    definition = load_demo()
    store = open_store()
    try:
        names = {o.name for o in store.list_organisations()}
        if definition.organisation in names:
            if not reset:
                err_console.print(say("demo.exists", url=store.url), highlight=False)
                return
            store.delete_organisation(definition.organisation)
        where = workdir or default_data_dir() / "demo"
        with progress_bar("demo", err_console) as progress:
            teams = build_demo(store, cat, where, progress, definition=definition)
        table = Table(say("demo.team"), say("demo.workshop"), say("demo.join_code"),
                      say("store.risk_index"), box=None,
                      header_style="bold")
        for team in teams:
            scored = store.compute(team.current_assessment, cat)
            table.add_row(team.name, str(team.current_assessment), team.join_code,
                          f"{risk_index(scored.overall.risk_index)} "
                          f"({risk_word(scored.overall.risk_level)})")
        out.print(table)
        err_console.print(say("demo.built", name=repr(definition.organisation), url=store.url,
                              where=where, id=teams[0].current_assessment), highlight=False)
    except (StoreError, CollectorError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
