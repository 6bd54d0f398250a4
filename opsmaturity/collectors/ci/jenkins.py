"""Jenkins: a declarative `Jenkinsfile`'s stages, `input` steps and `when` guards, read
without running Groovy (comments and strings blanked first)."""

from __future__ import annotations

import re
from bisect import bisect_right

from opsmaturity.core.messages import text as _msg

from . import deploy as ci_deploy
from .classify import ROLLBACK_COMMANDS, Job, classify_job, scan, security_tools
from .state import State


def read_jenkins(state: State, path: str) -> None:
    state.systems.setdefault("jenkins", []).append(path)
    state.found[path] = None
    state.parsed.add(path)
    text = state.files[path]
    code, plain = _groovy_views(text)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line_of(pos: int) -> int:
        return bisect_right(starts, pos)

    stages: list[tuple[str, int, int, int]] = []  # name, start, open brace, close brace
    for m in _STAGE.finditer(code):
        close = _closing_brace(code, m.end() - 1)
        name = plain[m.start(2) : m.end(2)].strip() or "(unnamed)"
        if close is None:
            state.problems.append(f"{path}:{line_of(m.start())}: "
                                  + _msg("ci.stage_unclosed", name=f"'{name}'"))
            close = len(code)
        stages.append((name, m.start(), m.end() - 1, close))

    def innermost(pos: int) -> int | None:
        inside = [i for i, s in enumerate(stages) if s[2] < pos < s[3]]
        return max(inside, key=lambda i: stages[i][2]) if inside else None

    whens: dict[int, list[str]] = {}
    for m in _WHEN.finditer(code):
        close = _closing_brace(code, m.end() - 1) or len(code)
        owner = innermost(m.start())
        if owner is not None:
            block = plain[m.end() : close]
            whens.setdefault(owner, []).append(" ".join(block.split())[:200])
    ifs = _groovy_ifs(code, plain)
    # (position, innermost stage, whether the main branch reaches it)
    inputs: list[tuple[int, int | None, bool]] = []
    unquoted = list(plain)  # an input's message is a question, not a command
    for m in _INPUT.finditer(code):
        pos = m.start()
        around = [
            c for j, s in enumerate(stages) if s[2] < pos < s[3] for c in whens.get(j, [])
        ]
        around += [cond for start, end, cond in ifs if start < pos < end]
        on_main = not any(ci_deploy.excludes_main(c) for c in around)
        inputs.append((pos, innermost(pos), on_main))
        end = _statement_end(code, m.end())
        unquoted[pos:end] = code[pos:end]
    stage_text = "".join(unquoted)

    for i, (name, start, open_, close) in enumerate(stages):
        children = [s for s in stages if open_ < s[1] < close]
        if children:
            continue
        ancestors = {j for j, s in enumerate(stages) if s[2] < start and close <= s[3]}
        job = Job(
            system="jenkins",
            file=path,
            line=line_of(start),
            name=name,
            label=name,
            text=stage_text[open_:close],
            order=start,
        )
        job.conditions = [c for j in (*sorted(ancestors), i) for c in whens.get(j, [])]
        job.triggers = ci_deploy.jenkins_triggers(job.conditions)
        job.archives_reports = bool(_JENKINS_REPORTS.search(job.text))
        # on the main branch, an input that only other branches reach holds nothing back
        on_main = not any(ci_deploy.excludes_main(c) for c in job.conditions)
        reached = [(p, owner) for p, owner, main in inputs if main or not on_main]
        own_inputs = [p for p, owner in reached if owner == i or owner in ancestors]
        earlier = [p for p, _ in reached if p < start]
        if own_inputs:
            job.manual = f"input step at {path}:{line_of(own_inputs[0])}"
            job.gated = job.manual
        elif earlier:
            job.gated = f"input step at {path}:{line_of(earlier[0])} before this stage"
        if any("changeRequest" in c for c in job.conditions):
            job.review_hint = f"{name}: runs for change requests (when {{ changeRequest }})"
        classify_job(job)
        state.jobs.append(job)

    outside = list(plain)
    for _, start, _, close in stages:
        outside[start : close + 1] = " " * (min(close + 1, len(outside)) - start)
    rest = "".join(outside)
    for m in scan(ROLLBACK_COMMANDS, rest):
        state.rollback_hits.append(
            {"file": path, "line": line_of(m.start()), "match": " ".join(m.group(0).split())}
        )
    for m in security_tools().finditer(rest):
        state.security_hits.append(
            {"file": path, "line": line_of(m.start()), "match": m.group(0)}
        )




_STAGE = re.compile(r"(?<![\w.$])stage\s*\(\s*(?:name\s*:\s*)?(['\"])( *)\1\s*\)\s*\{")
_INPUT = re.compile(r"(?<![\w.$])input\b\s*(?=[({'\"]|[A-Za-z_]\w*\s*:)")
_WHEN = re.compile(r"(?<![\w.$])when\s*\{")


def _groovy_views(text: str) -> tuple[str, str]:
    """(code, plain): comments blanked in both, string contents also blanked in `code`.

    Both keep every offset and newline, so positions found in one index the other."""
    code, plain = list(text), list(text)
    n = len(text)

    def blank(chars: list[str], start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if chars[k] != "\n":
                chars[k] = " "

    i = 0
    while i < n:
        if text.startswith("//", i) or text.startswith("/*", i):
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = n if end < 0 else end + (2 if text[i + 1] == "*" else 0)
            blank(code, i, end)
            blank(plain, i, end)
            i = end
            continue
        c = text[i]
        if c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\":
                    j += 1
                elif len(quote) == 1 and text[j] == "\n":
                    break
                j += 1
            blank(code, i + len(quote), j)
            i = j + len(quote) if text.startswith(quote, j) else j
            continue
        i += 1
    return "".join(code), "".join(plain)


_IF = re.compile(r"(?<![\w.$])if\s*\(")
_JENKINS_REPORTS = re.compile(
    r"(?<![\w.$])(?:junit|xunit|archiveArtifacts|recordCoverage|publishCoverage|publishHTML|"
    r"jacoco|cobertura|recordIssues|allure|publishChecks)\b"
)


def _closing(code: str, open_index: int, pair: str) -> int | None:
    depth = 0
    for k in range(open_index, len(code)):
        if code[k] == pair[0]:
            depth += 1
        elif code[k] == pair[1]:
            depth -= 1
            if depth == 0:
                return k
    return None


def _groovy_ifs(code: str, plain: str) -> list[tuple[int, int, str]]:
    """(block start, block end, condition) of each `if (...) { ... }` in Groovy code."""
    out: list[tuple[int, int, str]] = []
    for m in _IF.finditer(code):
        close = _closing(code, m.end() - 1, "()")
        if close is None:
            continue
        brace = close + 1
        while brace < len(code) and code[brace] in " \t\n":
            brace += 1
        if brace < len(code) and code[brace] == "{":
            end = _closing(code, brace, "{}") or len(code)
            out.append((brace, end, plain[m.end() : close]))
    return out


def _statement_end(code: str, pos: int) -> int:
    """Where the statement starting at `pos` ends: its closing parenthesis or brace, or the
    end of the line."""
    while pos < len(code) and code[pos] in " \t":
        pos += 1
    if pos < len(code) and code[pos] in "({":
        end = _closing(code, pos, "()" if code[pos] == "(" else "{}")
        return len(code) if end is None else end + 1
    end = code.find("\n", pos)
    return len(code) if end < 0 else end


def _closing_brace(code: str, open_index: int) -> int | None:
    depth = 0
    for k in range(open_index, len(code)):
        if code[k] == "{":
            depth += 1
        elif code[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return None
