"""`zones user`: API tokens for employees."""

from __future__ import annotations

from datetime import timedelta

import click

from zones.auth.tokens import MAX_TOKEN_NAME, issue_token, revoke_tokens
from zones.cli.output import Invocation, err, out, pass_invocation, run, single_line
from zones.db import Database


@click.group()
def user() -> None:
    """API tokens for employees."""


@user.command("token")
@click.argument("email", callback=single_line)
@click.option(
    "--name",
    default="cli",
    show_default=True,
    callback=single_line,
    help="What the token is for (shown in listings, at most 100 characters).",
)
@click.option(
    "--expires-days",
    type=click.IntRange(min=1),
    default=None,
    help="Let the token expire this many days (24 hours each) from now; at least 1.",
)
@pass_invocation
def user_token(invocation: Invocation, email: str, name: str, expires_days: int | None) -> None:
    """Issue an API token for EMAIL and print it once (only its hash is stored)."""
    if len(name) > MAX_TOKEN_NAME:
        raise click.BadParameter(f"is longer than {MAX_TOKEN_NAME} characters", param_hint="'--name'")
    expires_in = timedelta(days=expires_days) if expires_days is not None else None

    async def work(database: Database) -> str:
        async with database.write_session() as session:
            token, _ = await issue_token(session, email, name, expires_in, clock=invocation.clock)
            return token

    token = run(invocation.settings, work)
    err.print(f"token for {email} (shown once; send it as 'Authorization: Bearer <token>'):", highlight=False)
    click.echo(token)


@user.command("revoke")
@click.argument("email", callback=single_line)
@pass_invocation
def user_revoke(invocation: Invocation, email: str) -> None:
    """Revoke every API token of EMAIL."""

    async def work(database: Database) -> int:
        async with database.write_session() as session:
            return await revoke_tokens(session, email, clock=invocation.clock)

    out.print(f"revoked {run(invocation.settings, work)} token(s) of {email}", highlight=False)


@user.command("link")
@click.argument("email", callback=single_line)
@pass_invocation
def user_link(invocation: Invocation, email: str) -> None:
    """Make a sign-in link for EMAIL and print it (for when e-mail is off: hand it over yourself).

    It works once, for ZONES_LINK_MINUTES (15 by default); its address starts with ZONES_PUBLIC_URL.
    """
    from zones.auth.links import issue_link_for, minutes_text

    settings = invocation.settings

    async def work(database: Database) -> str:
        async with database.write_session() as session:
            return await issue_link_for(session, email, settings, invocation.clock())

    url = run(settings, work)
    minutes = minutes_text(settings.sign_in.link_minutes)
    err.print(f"sign-in link for {email} (works once, for {minutes} minutes):", highlight=False)
    click.echo(url)
