"""`manage.py create_account NAME --role Supervisor`: an account with a role, from the shell.

How the first supervisor is made on a new installation; after that, supervisors manage
accounts on /people/. The password is asked twice at a terminal, or read as one line from
standard input (for scripts: `printf '%s\\n' "$PASSWORD" | manage.py create_account …`).
"""

from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dashboard.accounts.roles import ROLES, SUPERVISOR


class Command(BaseCommand):
    help = "Create a dashboard account with a role (Supervisor, Team lead or Viewer)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=list(ROLES), default=SUPERVISOR)

    def handle(self, *args: object, **options: str) -> None:
        users = get_user_model()
        username, role = options["username"], options["role"]
        if users.objects.filter(username=username).exists():
            raise CommandError(f"An account named {username!r} exists already.")
        password = self._password()
        candidate = users(username=username)
        try:
            users.username_validator(username)
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            user = users.objects.create_user(username, password=password)
            user.groups.set([Group.objects.get(name=role)])
        self.stdout.write(f"{username} can sign in as {role}.")

    @staticmethod
    def _password() -> str:
        if not sys.stdin.isatty():
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
