"""Editing the budgets and prices documents: validate, then save with the version the edit began at.

Mixed into `Vault` (the Costs page's admin form, its download and upload) and used by the CLI's
`budgets`/`prices` import and export on a SettingsStore alone. A document that is not valid is
refused with a message naming the problem, and the one in force stays; an edit that began before
someone else's save is refused (`EditConflict`), never merged silently. At a team deployment's
first start, budgets or prices files it was given are imported once into the empty database.
"""
from __future__ import annotations

import logging
import tomllib
from decimal import Decimal
from pathlib import Path

from .budgets.config import parse_budgets_text, read_budgets_toml
from .budgets.edit import with_limit
from .config import Settings
from .errors import BadRequest
from .pricing.prices import parse_prices
from .retention.policy import parse_retention
from .settingsdoc import BUDGETS, NAMES, PRICES, EditConflict, SettingsDocument, check_name

log = logging.getLogger(__name__)
MAX_BYTES = 1_000_000  # a budgets or prices document is a few kB; this refuses a wrong file early


def validate(name: str, text: str) -> None:
    """BadRequest naming the first problems, or nothing when `text` is a usable document."""
    check_name(name)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise BadRequest(f"Not saved: that {name} file is over {MAX_BYTES // 1000:,} kB.")
    if "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise BadRequest(f"Not saved: that {name} file is not UTF-8 text.")
    if name == BUDGETS:
        try:
            parse_budgets_text(text)
            parse_retention(read_budgets_toml(text))
        except ValueError as exc:
            raise BadRequest(f"Not saved: the budgets are not valid: {exc}. The current ones stay in force.") from None
        return
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise BadRequest(f"Not saved: the prices are not valid TOML ({exc}). The current ones stay in force.") from None
    problems = parse_prices(data, "prices")[1]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise BadRequest(f"Not saved: {'; '.join(problems[:3])}{more}. The current prices stay in force.")


def decode(data: bytes, name: str) -> str:
    """An uploaded or imported file's text; BadRequest if it is not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadRequest(f"Not saved: that {name} file is not UTF-8 text.") from None


def save(documents, name: str, text: str, expected_version: str | None, by: str | None) -> SettingsDocument:
    """Validate and save; `expected_version` None replaces whatever is saved now (an import)."""
    validate(name, text)
    if expected_version is None:
        expected_version = documents.read(name).version
    return documents.write(name, text, expected_version, by)


def seed_from_files(documents, settings: Settings) -> None:
    """Into an empty database, the budgets and prices files this replica was given (once: the first
    replica wins the compare-and-set, the others find it saved). An invalid file is left out, loudly."""
    for name, path in ((BUDGETS, settings.resolved_budgets_file), (PRICES, settings.resolved_prices_file)):
        doc = documents.current(name)
        if doc.path is not None or doc.text is not None or not Path(path).is_file():
            continue  # file-kept documents, or already saved
        try:
            save(documents, name, decode(Path(path).read_bytes(), name), "", by=f"import of {path}")
            log.warning("the %s file %s was imported into the database (edit them there from now on)", name, path)
        except EditConflict:
            pass  # another replica imported first
        except (BadRequest, OSError) as exc:
            log.error("the %s file %s was not imported: %s", name, path, exc)


class SettingsEditing:
    """The Vault's part: read, save and edit the documents in its SettingsStore (`self.documents`)."""

    def settings_document(self, name: str) -> SettingsDocument:
        """The budgets or prices as saved now (text, version, who saved it, where they are kept)."""
        return self.documents.read(check_name(name))

    def save_settings(self, name: str, text: str | bytes, expected_version: str | None,
                      by: str | None = None) -> SettingsDocument:
        """Replace the budgets or prices with `text` (TOML) if valid and still at `expected_version`
        (None: whatever is saved now). BadRequest if invalid, EditConflict if someone saved meanwhile."""
        if isinstance(text, bytes):
            text = decode(text, name)
        return save(self.documents, check_name(name), text, expected_version, by)

    def set_budget_limit(self, user_id: str | None, key: str, value, expected_version: str | None = None,
                         by: str | None = None) -> SettingsDocument:
        """Change one limit, keeping the rest and its comments (None: overall, "*": each user).
        With `expected_version` (the version the admin's form showed), refused if changed since."""
        doc = self.documents.read(BUDGETS)
        if expected_version is not None and expected_version != doc.version:
            raise doc.conflict()
        return self.documents.write(BUDGETS, with_limit(doc.text or "", user_id, key, value), doc.version, by)


__all__ = ["NAMES", "SettingsEditing", "save", "seed_from_files", "validate", "decode"]
