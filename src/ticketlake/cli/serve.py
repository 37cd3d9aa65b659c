"""``ticketlake serve`` (the HTTP API) and ``ticketlake keys add|list|revoke`` (its API keys)."""

from __future__ import annotations

from typing import Annotated

import typer

from ticketlake import serve as serving
from ticketlake.cli.output import Format, FormatOption, emit, say
from ticketlake.errors import UsageError
from ticketlake.project import Project
from ticketlake.serve.keys import ROLES, KeyStore


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by "
                                      "default; 0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:  # fmt: skip
    """Serve the JSON API over the current warehouse build (docs/api.md); needs an API key."""
    project: Project = ctx.obj
    serving.require()
    project.settings  # noqa: B018 -- a broken configuration stops here, not on a request
    if not any(k.active for k in KeyStore.of(project.root).entries()):
        raise UsageError("no API keys yet: add one with `ticketlake keys add NAME --role admin` "
                         "(every endpoint but /api/health needs a key)")  # fmt: skip
    import uvicorn  # noqa: PLC0415 - the serve extra, checked above

    from ticketlake.serve.app import create_app  # noqa: PLC0415 - needs the extra too

    shown = f"[{host}]" if ":" in host else host
    say(
        f"serving {project.root} on http://{shown}:{port}/ (dashboard: /, API schema: /api/docs)",
        stdout=True,
    )
    uvicorn.run(create_app(project), host=host, port=port, log_level="warning")


app = typer.Typer(help="Add, list and revoke the API keys of `ticketlake serve`.",
                  no_args_is_help=True)  # fmt: skip


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option("--role", help=f"{' or '.join(ROLES)}: a viewer reads "
                                      "KPIs, charts and tickets; an admin also the ledger, "
                                      "quarantine and downloads.")] = "viewer",
    source: Annotated[list[str] | None, typer.Option("--source", help="Only this source's "
                                                     "rows (repeatable); all by default.")] = None,
) -> None:  # fmt: skip
    """Make an API key and print it once; only its hash is kept."""
    project: Project = ctx.obj
    record, key = KeyStore.of(project.root).add(name, role, source or ())
    scope = ", ".join(record.sources) if record.sources else "every source"
    say(f"key {record.name} ({record.role}, {scope}); shown only now, keep it safe:")
    say(key, stdout=True)


@app.command("list")
def list_keys(ctx: typer.Context, output: FormatOption = Format.table) -> None:
    """Every key with its role, sources, creation time and whether it is revoked."""
    project: Project = ctx.obj
    rows = [{"name": k.name, "role": k.role, "sources": ", ".join(k.sources or ["(all)"]),
             "created": k.created.isoformat(timespec="seconds"),
             "revoked": k.revoked.isoformat(timespec="seconds") if k.revoked else ""}
            for k in KeyStore.of(project.root).entries()]  # fmt: skip
    if not rows and output is Format.table:
        say("no API keys yet; `ticketlake keys add NAME --role viewer|admin` makes one", True)
        return
    emit(rows, output, title=f"{len(rows)} API key(s)")


@app.command()
def revoke(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The key's name.")]
) -> None:  # fmt: skip
    """Revoke a key: from the next request on it opens nothing (it stays listed)."""
    project: Project = ctx.obj
    KeyStore.of(project.root).revoke(name)
    say(f"revoked key {name}", stdout=True)
