"""A user's mistake on the command line (操作错误): one clear line and exit status 1, never a
traceback. Every ``craftreg`` command wraps its body in :func:`user_errors`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import click

from craftreg.domain.errors import RegistryError
from craftreg.keys import KeyFileError
from craftreg.settings import SettingsError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """A refusal shows its code and both languages; a bad key file, setting or path its
    message."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RegistryError as exc:
            raise click.ClickException(f"[{exc.code}] {exc.en} / {exc.zh}") from None
        except (KeyFileError, SettingsError, OSError) as exc:
            raise click.ClickException(str(exc)) from None

    return cast(F, wrapper)
