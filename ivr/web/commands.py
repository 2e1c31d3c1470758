"""``ivr users add|list|passwd|disable`` and ``ivr web`` (serve the consoles standalone, for development)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from ivr.config import Settings
from ivr.errors import ConfigError, IvrError
from ivr.store.db import Database, migrate
from ivr.store.users import UserRepository
from ivr.web.auth import ROLES, hash_password

log = logging.getLogger(__name__)
MIN_PASSWORD = 8


def register(sub: Any) -> None:
    """Add the ``users`` and ``web`` subcommands."""
    users = sub.add_parser("users", help="web console accounts").add_subparsers(dest="users_cmd", required=True)
    p = users.add_parser("add", help="create an account (password read from stdin)")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p.set_defaults(func=_users_add)
    p = users.add_parser("passwd", help="change a password (read from stdin)")
    p.add_argument("name")
    p.set_defaults(func=_users_passwd)
    p = users.add_parser("disable", help="disable an account")
    p.add_argument("name")
    p.set_defaults(func=_users_disable)
    users.add_parser("list", help="list accounts").set_defaults(func=_users_list)

    p = sub.add_parser("web", help="serve the web consoles alone (development; `ivr serve` runs them in the bot)")
    p.add_argument("--host", help="default: [web] host")
    p.add_argument("--port", type=int, help="default: [web] port")
    p.add_argument("--no-ami", action="store_true", help="do not connect to Asterisk's AMI")
    p.set_defaults(func=_web)


def read_password() -> str:
    """The new password: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez : ") != first:
            raise ConfigError("the passwords differ")
        password = first
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"password too short (at least {MIN_PASSWORD} characters)")
    return password


async def _with_users(settings: Settings, work: Any) -> Any:
    await migrate(settings.database_url)
    async with Database(settings.database_url) as db:
        return await work(UserRepository(db.sessions))


def _users_add(settings: Settings, args: argparse.Namespace) -> int:
    password_hash = hash_password(read_password())

    async def work(repo: UserRepository) -> None:
        await repo.create(args.name, args.role, password_hash, now=datetime.now(UTC))

    asyncio.run(_with_users(settings, work))
    print(f"user {args.name} created ({args.role})")
    return 0


def _users_passwd(settings: Settings, args: argparse.Namespace) -> int:
    password_hash = hash_password(read_password())

    async def work(repo: UserRepository) -> None:
        await repo.set_password_hash(args.name, password_hash)

    asyncio.run(_with_users(settings, work))
    print(f"password of {args.name} changed")
    return 0


def _users_disable(settings: Settings, args: argparse.Namespace) -> int:
    async def work(repo: UserRepository) -> None:
        await repo.set_active(args.name, False)

    asyncio.run(_with_users(settings, work))
    print(f"user {args.name} disabled")
    return 0


def _users_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(repo: UserRepository) -> list[Any]:
        return await repo.list()

    for u in asyncio.run(_with_users(settings, work)):
        print(f"{u.name}\t{u.role}\t{'active' if u.active else 'disabled'}")
    return 0


async def serve(settings: Settings, host: str, port: int, use_ami: bool) -> None:
    """Run the web app with a standalone context until interrupted."""
    import uvicorn

    from ivr.web.app import create_app
    from ivr.web.standalone import ami_client, standalone_context

    ami = ami_client(settings) if use_ami else None
    if ami is not None:
        try:
            await ami.connect()
        except IvrError as exc:
            log.warning("AMI unavailable (%s): queues will not be shown", exc.message)
            ami = None
    try:
        async with standalone_context(settings, ami=ami) as ctx, contextlib.AsyncExitStack() as stack:
            if ami is not None and settings.cluster.record_queue_outcomes:  # a cluster's web front
                from ivr.cluster.queue_outcomes import queue_node_recorder

                await stack.enter_async_context(queue_node_recorder(ami, ctx.sessions,
                                                                    node=settings.cluster.node_name))
            config = uvicorn.Config(create_app(ctx), host=host, port=port, log_level="info")
            await uvicorn.Server(config).serve()
    finally:
        if ami is not None:
            await ami.close()


def _web(settings: Settings, args: argparse.Namespace) -> int:
    host = args.host or settings.web.host
    port = args.port or settings.web.port
    print(f"web consoles on http://{host}:{port}/ (chat: /chat, login: /login)")
    asyncio.run(serve(settings, host, port, not args.no_ami))
    return 0
