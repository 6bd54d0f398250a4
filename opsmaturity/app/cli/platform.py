"""What the delivery-platform commands (`collect gitlab`, `collect github`) share."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import err_console, fail, localised, measures_note, say, write_evidence

if TYPE_CHECKING:
    from opsmaturity.core.evidence import EvidenceSet

MappingOpt = Annotated[Path | None, typer.Option("--mapping")]
LookbackOpt = Annotated[int, typer.Option("--lookback-days", min=0)]


def write_platform_evidence(out: Path, evidence: EvidenceSet) -> None:
    """Write one platform's evidence and say what was not read and how complete it is."""
    from rich.markup import escape

    for line in evidence.coverage.missing:
        err_console.print(f"[yellow]{say('platform.not_read')}[/] {escape(localised(line))}",
                          highlight=False, soft_wrap=True)
    write_evidence(out, [evidence], measures_note(evidence))


def delivery_mapping(path: Path | None) -> dict[str, Any] | None:
    """The delivery mapping from a YAML file, validated, or None for the defaults."""
    if path is None:
        return None
    from pydantic import ValidationError

    from opsmaturity.collectors.delivery.measures import DeliveryMapping
    from opsmaturity.core.sources import SourceError, load_yaml

    try:
        source = load_yaml(path)
        if not isinstance(source.data, dict):
            raise source.error((), say("platform.mapping_shape"))
        try:
            return DeliveryMapping.model_validate(source.data).model_dump()
        except ValidationError as exc:
            raise source.validation_error(exc) from None
    except SourceError as exc:
        raise fail(str(exc)) from None


def platform_token(env: str, prompt: str, anonymous_note: str, ask: bool) -> str | None:
    """The token from `env`, else asked for (hidden) on a terminal, else none (anonymous).

    The token goes only into the collector's options for this run: never to a file or log.
    """
    token = os.environ.get(env)
    if token:
        return token
    if ask or sys.stdin.isatty():
        entered = typer.prompt(prompt, default="", hide_input=True, show_default=False, err=True)
        return entered.strip() or None
    err_console.print(say("platform.note", env=env, what=anonymous_note), highlight=False,
                      markup=False)
    return None
