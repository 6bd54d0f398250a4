"""Collector forms built from each collector's options model, and runs with progress.

Collectors are being added all the time (and arrive from other packages by entry point),
so the Evidence page does not hard-code their forms: every simple option of the options
model becomes a widget (text, number, switch, choice, date, list, upload), secrets
(`SecretStr`) become password fields. A password field's value is handed to the collector
for this one call and its widget is replaced afterwards, so the token is not kept in the
session, the store, the evidence or any log.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import types
import typing
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import streamlit as st
from pydantic import BaseModel, SecretStr, ValidationError

from opsmaturity.collectors import get_collector
from opsmaturity.collectors.base import Collector, CollectorError
from opsmaturity.core.evidence import EvidenceSet
from opsmaturity.core.messages import text as _msg
from opsmaturity.core.sources import safe_load

ENV_ROOTS = "OPSMATURITY_EVIDENCE_ROOTS"
SERVER_ONLY = frozenset({"cache_dir", "promtool"})
"""Options the browser never sets: where the server caches, which program it runs."""
POLL_S = 0.2
NONCE_KEY = "evidence-secret-nonce"
FILE_WORDS = ("file", "rule", "config", "export")
FOLDER_WORDS = ("dir", "repo")


@dataclass(frozen=True)
class Field:
    """One option of a collector as the form shows it."""

    name: str
    kind: Literal["text", "secret", "bool", "int", "float", "path", "date", "choice", "lines",
                  "paths"]
    required: bool
    default: Any
    help: str
    choices: tuple[Any, ...] = ()

    @property
    def uploads(self) -> bool:
        """Files may be uploaded for it: lists of files, and single files (not directories
        or repositories, which live on the machine running the app)."""
        words = f"{self.name} {self.help}".lower()
        if self.kind == "path":
            return not any(w in words for w in FOLDER_WORDS)
        return self.kind == "paths" or (
            self.kind == "lines" and any(w in words for w in FILE_WORDS))


def _kind(annotation: Any) -> tuple[str | None, tuple[Any, ...], bool]:
    """(kind, choices, optional) of a type annotation; kind None when no widget fits."""
    args = typing.get_args(annotation)
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        optional = len(rest) < len(args)
        if len(rest) != 1:
            return None, (), optional
        annotation = rest[0]
        args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "choice", tuple(args), optional
    if origin is list and args:
        inner = args[0]
        return ("paths" if inner is Path else "lines" if inner is str else None), (), optional
    simple = {SecretStr: "secret", bool: "bool", int: "int", float: "float", str: "text",
              Path: "path", datetime: "date"}
    return simple.get(annotation), (), optional


def fields(model: type[BaseModel]) -> list[Field]:
    """The options a form can offer; nested models (mappings, retry policies) keep defaults."""
    out = []
    for name, info in model.model_fields.items():
        kind, choices, _ = _kind(info.annotation)
        if kind is None:
            continue
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        out.append(Field(name=name, kind=kind, required=info.is_required(), default=default,  # type: ignore[arg-type]
                         help=info.description or "", choices=choices))
    return out


@cache
def _primary() -> dict[str, list[str]]:
    text = resources.files("opsmaturity.app.web").joinpath("collectors.yaml").read_text(
        encoding="utf-8")
    return {str(k): list(v) for k, v in (safe_load(text, "collectors.yaml") or {}).items()}


def split(name: str, all_fields: list[Field]) -> tuple[list[Field], list[Field]]:
    """Options shown up front, and the rest ("More options")."""
    wanted = _primary().get(name)
    if wanted is None:
        wanted = [f.name for f in all_fields if f.required]
    front = [f for w in wanted for f in all_fields if f.name == w]
    return front, [f for f in all_fields if f not in front]


def secret_key(collector: str, field: str) -> str:
    """Password widgets carry a nonce, so replacing them after a run forgets their value."""
    return f"ev-{collector}-{field}-{st.session_state.get(NONCE_KEY, 0)}"


def evidence_roots() -> list[Path]:
    """The directories collectors may read on the server ($OPSMATURITY_EVIDENCE_ROOTS,
    separated like PATH); none when unset."""
    raw = os.environ.get(ENV_ROOTS, "")
    return [Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p.strip()]


REMOTE_PREFIXES = ("http://", "https://", "ssh://", "git://")


def is_remote(value: str) -> bool:
    """A URL (or scp-like git address) a collector fetches over the network."""
    lowered = value.strip().lower()
    if lowered.startswith(REMOTE_PREFIXES):
        return True
    head = value.split(":", 1)[0]
    return ":" in value and "@" in head and "/" not in head


def path_allowed(value: str, roots: list[Path]) -> bool:
    """Whether a typed server path lies below one of the allowed roots (after resolving
    symbolic links and `..`)."""
    if value.lower().startswith("file:"):
        value = value[5:].lstrip("/")
        value = "/" + value
    target = Path(value).expanduser().resolve()
    return any(target == root or target.is_relative_to(root) for root in roots)


def reads_server_paths(f: Field) -> bool:
    """Whether a typed value of this option names a file or directory on the server."""
    return f.kind in ("path", "paths") or (f.kind == "lines" and f.uploads) or (
        f.kind == "text" and f.name == "source")


def check_path(f: Field, value: str, roots: list[Path]) -> None:
    if reads_server_paths(f) and not is_remote(value) and not path_allowed(value, roots):
        where = os.pathsep.join(str(r) for r in roots) or _msg("collector.no_roots")
        raise CollectorError(
            f"{f.name}: {_msg('collector.outside_roots', env=ENV_ROOTS, where=where)}")


def widget_key(collector: str, field: Field) -> str:
    return secret_key(collector, field.name) if field.kind == "secret" else (
        f"ev-{collector}-{field.name}")


def forget_secrets(collector: str, all_fields: list[Field]) -> None:
    """Drop the password fields' values and draw fresh, empty fields on the next run."""
    for f in all_fields:
        if f.kind == "secret":
            st.session_state.pop(secret_key(collector, f.name), None)
    st.session_state[NONCE_KEY] = st.session_state.get(NONCE_KEY, 0) + 1


def render(collector: str, f: Field) -> None:
    """One option as a widget (inside the collector's form)."""
    key = widget_key(collector, f)
    label = f.name.replace("_", " ") + (" *" if f.required else "")
    hint = f.help or None
    if f.kind == "secret":
        st.text_input(label, type="password", key=key, help=hint, autocomplete="off")
    elif f.kind == "bool":
        st.checkbox(label, value=bool(f.default), key=key, help=hint)
    elif f.kind in ("int", "float"):
        number = float if f.kind == "float" else int
        st.number_input(label, value=number(f.default) if f.default is not None else None,
                        key=key, help=hint, step=1.0 if f.kind == "float" else 1)
    elif f.kind == "choice":
        options = ([None] if not f.required else []) + list(f.choices)
        st.selectbox(label, options, key=key, help=hint,
                     index=options.index(f.default) if f.default in options else 0,
                     format_func=lambda v: "(auto)" if v is None else str(v))
    elif f.kind in ("lines", "paths"):
        default = "\n".join(str(v) for v in f.default or [])
        st.text_area(label, value=default, key=key, help=(hint or "") + " (one per line)",
                     height=80)
    elif f.kind == "date":
        st.text_input(label, key=key, help=(hint or "") + " (YYYY-MM-DD)", placeholder="YYYY-MM-DD")
    else:
        st.text_input(label, value="" if f.default is None else str(f.default), key=key,
                      help=hint)
    if f.uploads:
        st.file_uploader(f"{label}: upload", accept_multiple_files=f.kind != "path",
                         key=f"{key}-upload")


def token_variable(collector: str) -> str:
    """The environment variable a collector's token comes from when none is typed in."""
    return f"{collector.upper()}_TOKEN"


def parse_date(text: str, field: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise CollectorError(
            f"{field}: {_msg('collector.date_format', value=repr(text))}") from None


@contextmanager
def options(collector: str, all_fields: list[Field],
            roots: list[Path] | None = None) -> Iterator[dict[str, Any]]:
    """The form's values as the options model reads them; uploads live in a temp dir for the
    duration of the block. With `roots`, a typed server path outside them is refused."""
    with tempfile.TemporaryDirectory(prefix="opsmaturity-upload-") as tmp:
        values: dict[str, Any] = {}
        for f in all_fields:
            raw = st.session_state.get(widget_key(collector, f))
            uploaded = st.session_state.get(f"{widget_key(collector, f)}-upload") or []
            if not isinstance(uploaded, list):
                uploaded = [uploaded]
            saved = []
            for i, up in enumerate(uploaded):
                where = Path(tmp) / f.name / str(i)
                where.mkdir(parents=True)
                target = where / Path(up.name).name
                target.write_bytes(up.getvalue())
                saved.append(str(target))
            if roots is not None and f.kind in ("lines", "paths", "path", "text"):
                for typed in str(raw or "").splitlines():
                    if typed.strip():
                        check_path(f, typed.strip(), roots)
            if f.kind in ("lines", "paths"):
                items = [x.strip() for x in str(raw or "").splitlines() if x.strip()] + saved
                if items or f.required:
                    values[f.name] = items
            elif f.kind == "path":
                value = saved[0] if saved else str(raw or "").strip()
                if value:
                    values[f.name] = value
            elif f.kind == "date":
                if str(raw or "").strip():
                    values[f.name] = parse_date(str(raw), f.name)
            elif f.kind == "secret":
                secret = str(raw or "").strip() or os.environ.get(token_variable(collector), "")
                if secret:  # typed in, or the server's environment, as on the command line
                    values[f.name] = secret
            elif f.kind == "text":
                if str(raw or "").strip():
                    values[f.name] = str(raw).strip()
            elif raw is not None:
                values[f.name] = raw
        yield values


def validated(collector: Collector, values: dict[str, Any]) -> BaseModel:
    try:
        return collector.config_model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "options"
        raise CollectorError(f"{where}: {err['msg']}") from None


def run(name: str, config: BaseModel, show: Callable[[str, float | None], None]
        ) -> EvidenceSet:
    """Run a collector on a worker thread, reporting its progress from this (script) thread.

    Collectors may call progress from their own worker threads, where Streamlit cannot
    draw; so progress is only recorded there and drawn here.
    """
    latest: list[tuple[str, float | None]] = [("", None)]
    lock = threading.Lock()

    def progress(message: str, fraction: float | None) -> None:
        with lock:
            latest[0] = (message, fraction)

    collector = get_collector(name)
    with ThreadPoolExecutor(1, thread_name_prefix=f"collect-{name}") as pool:
        future = pool.submit(collector.collect, config, progress)
        while not future.done():
            time.sleep(POLL_S)
            with lock:
                show(*latest[0])
        return future.result()
