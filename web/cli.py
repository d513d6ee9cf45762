"""The `hotline` command: serve, demo, user add, migrate."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from config import Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None)).with_overrides(
        host=getattr(args, "host", None), port=getattr(args, "port", None), data_dir=getattr(args, "data_dir", None))


def cmd_serve(args: argparse.Namespace) -> int:
    from web.app import create_app
    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"12345 热线平台：http://{settings.server.host}:{settings.server.port}/  数据目录：{settings.storage.data_dir}",
          flush=True)
    web.run_app(create_app(settings), host=settings.server.host, port=settings.server.port, print=None)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from casework.demo.generator import generate_demo
    settings = _settings(args)
    asyncio.run(generate_demo(settings, cases=args.cases, if_empty=args.if_empty, seed=args.seed))
    return 0


async def _add_user(settings: Settings, args: argparse.Namespace, password: str) -> None:
    from casework.accounts.model import parse_roles
    from casework.accounts.service import AccountService
    from casework.clock import system_clock
    from casework.db.database import Database
    tz = ZoneInfo(settings.casework.timezone)
    db = await Database(settings.storage.database_path, readers=1, tz=tz).open()
    try:
        user = await AccountService(db, system_clock(tz), settings.security).add_user(
            username=args.username, name=args.name, password=password, roles=parse_roles(args.role),
            department_id=args.department_id, leader_scope=None if "leader" in args.role else frozenset())
        print(f"已创建用户 {user.username}（{user.name}），角色：{'、'.join(r.label for r in user.roles)}")
    finally:
        await db.close()


def cmd_user_add(args: argparse.Namespace) -> int:
    from casework.errors import AppError
    password = args.password or getpass.getpass("密码：")
    try:
        asyncio.run(_add_user(_settings(args), args, password))
    except AppError as err:
        print(f"错误：{err.message} {err.fields or ''}", file=sys.stderr)
        return 2
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from casework.db.database import Database
    settings = _settings(args)

    async def run() -> None:
        db = await Database(settings.storage.database_path, readers=1).open()
        await db.close()
    asyncio.run(run())
    print(f"数据库已是最新版本：{settings.storage.database_path}")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="数据目录（数据库、附件、录音）")
    p.add_argument("--config", help="额外的 TOML 配置文件")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="hotline", description="12345 政务服务便民热线平台")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="启动服务")
    _common(serve)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="生成海口市演示数据")
    _common(demo)
    demo.add_argument("--cases", type=int, default=4000)
    demo.add_argument("--seed", type=int, default=12345)
    demo.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过")
    demo.set_defaults(func=cmd_demo)
    user = sub.add_parser("user", help="用户管理").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add", help="新增用户（如生产环境的第一个管理员）")
    _common(add)
    add.add_argument("--username", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", action="append", required=True, help="角色，可重复：admin, supervisor, call_taker, clerk, handler, leader")
    add.add_argument("--department-id", type=int)
    add.add_argument("--password", help="不填则交互输入")
    add.set_defaults(func=cmd_user_add)
    sub.add_parser("pbx-sim", help="启动内置 PBX 模拟器（Asterisk 20 AMI），参数见 hotline pbx-sim --help",
                   add_help=False)
    from recordings.cli import add_cli as add_recordings_cli
    add_recordings_cli(sub)
    mig = sub.add_parser("migrate", help="升级数据库结构")
    _common(mig)
    mig.set_defaults(func=cmd_migrate)
    return root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pbx-sim"]:
        from telephony.simulator.runner import main as simulator_main
        return int(simulator_main(argv[1:]) or 0)
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
