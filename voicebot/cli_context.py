"""What every `voicebot` command receives: settings and the database, created on first use,
and the error type for problems the user can fix. Its own module so that the command modules
of each area import it without importing the command group that imports them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from voicebot.config import Settings, load_settings

if TYPE_CHECKING:
    from voicebot.crm.db import Database


class UserError(click.ClickException):
    """A problem the user can fix; printed as one line, never a traceback."""


class AppContext:
    """Settings and the database, created on first use so `--help` stays instant."""

    def __init__(self, config_file: str | None, debug: bool) -> None:
        self.config_file = config_file
        self.debug = debug
        self._settings: Settings | None = None
        self._db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file)
        return self._settings

    @property
    def db(self) -> Database:
        if self._db is None:
            from voicebot.crm.db import Database

            s = self.settings
            self._db = Database(
                s.database_url, echo=s.database.echo, pool_size=s.database.pool_size
            )
        return self._db


pass_app = click.make_pass_decorator(AppContext)
