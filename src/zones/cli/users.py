"""`zones user`: API tokens for employees."""

from __future__ import annotations

from datetime import timedelta

import click

from zones.auth.tokens import issue_token, revoke_tokens
from zones.cli.output import Invocation, err, out, pass_invocation, run
from zones.db import Database


@click.group()
def user() -> None:
    """API tokens for employees."""


@user.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for (shown in listings).")
@click.option("--expires-days", type=int, default=None, help="Let the token expire after this many days.")
@pass_invocation
def user_token(invocation: Invocation, email: str, name: str, expires_days: int | None) -> None:
    """Issue an API token for EMAIL and print it once (only its hash is stored)."""
    expires_in = timedelta(days=expires_days) if expires_days else None

    async def work(database: Database) -> str:
        async with database.write_session() as session:
            token, _ = await issue_token(session, email, name, expires_in, clock=invocation.clock)
            return token

    token = run(invocation.settings, work)
    err.print(f"token for {email} (shown once; send it as 'Authorization: Bearer <token>'):", highlight=False)
    click.echo(token)


@user.command("revoke")
@click.argument("email")
@pass_invocation
def user_revoke(invocation: Invocation, email: str) -> None:
    """Revoke every API token of EMAIL."""

    async def work(database: Database) -> int:
        async with database.write_session() as session:
            return await revoke_tokens(session, email, clock=invocation.clock)

    out.print(f"revoked {run(invocation.settings, work)} token(s) of {email}", highlight=False)
