from __future__ import annotations

from pathlib import Path

import pytest

from dbworkbench.config import EMBEDDED, Overrides, load_settings, redact
from dbworkbench.errors import ConfigError


def write_config(folder: Path, text: str, name: str = "dbworkbench.toml") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_no_config_and_no_libpq_variables_means_embedded(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.environment.url == EMBEDDED
    assert settings.migrations_dir == tmp_path / "sql"
    assert settings.history_table == "dbworkbench_history"


def test_libpq_variables_select_libpq_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path, environ={"PGHOST": "db.internal"}).environment.url == ""
    assert load_settings(tmp_path, environ={"DBWORKBENCH_URL": "postgresql://a@b/c"}).environment.url == "postgresql://a@b/c"


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    write_config(tmp_path, 'migrations = "from_file"\ndefault_env = "a"\n[environments.a]\nurl = "postgresql://a/x"\n'
                           '[environments.b]\nurl = "postgresql://b/x"\n')
    nested = tmp_path / "deep" / "er"
    nested.mkdir(parents=True)
    from_file = load_settings(nested, environ={})
    assert from_file.environment.name == "a" and from_file.migrations_dir == tmp_path / "from_file"
    from_env = load_settings(nested, environ={"DBWORKBENCH_ENV": "b", "DBWORKBENCH_MIGRATIONS": "env_dir"})
    assert from_env.environment.name == "b" and from_env.migrations_dir == tmp_path / "env_dir"
    from_flag = load_settings(nested, Overrides(env="a", url="postgresql://flag/x"), environ={"DBWORKBENCH_ENV": "b"})
    assert from_flag.environment.name == "a" and from_flag.environment.url == "postgresql://flag/x"


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    write_config(tmp_path, '[tool.dbworkbench]\nmigrations = "db/migrations"\n', "pyproject.toml")
    assert load_settings(tmp_path, environ={}).migrations_dir == tmp_path / "db" / "migrations"


def test_env_vars_are_expanded_and_missing_ones_named(tmp_path: Path) -> None:
    write_config(tmp_path, '[environments.prod]\nurl = "${PROD_URL}"\nprotected = true\n'
                           '[environments.dev]\nurl = "${DEV_URL:-postgresql://localhost/dev}"\n')
    prod = load_settings(tmp_path, Overrides(env="prod"), environ={"PROD_URL": "postgresql://u:secret@h/db"})
    assert prod.environment.protected and prod.environment.url == "postgresql://u:secret@h/db"
    assert load_settings(tmp_path, Overrides(env="dev"), environ={}).environment.url == "postgresql://localhost/dev"
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, Overrides(env="prod"), environ={})
    assert "PROD_URL" in caught.value.message and "[environments.prod] url" in caught.value.message
    assert str(tmp_path / "dbworkbench.toml") in caught.value.message


@pytest.mark.parametrize(("text", "fragment"), [
    ('colour = "blue"\n', "unknown key(s) colour"),
    ('[environments.dev]\nurl = "x"\nport = 5\n', "[environments.dev]: unknown key(s) port"),
    ('[environments.dev]\nurl = "mysql://h/db"\n', "not a PostgreSQL URL"),
    ('[environments.dev]\nurl = "host=h dbname"\n', "not a valid connection string"),
    ('[environments.dev]\nlock_timeout = "soon"\n', "lock_timeout = 'soon' is not a duration"),
    ('[environments.dev]\nprotected = "yes"\n', "protected must be true or false"),
    ('[environments.dev]\nlock_upfront = 1\n', "lock_upfront must be true or false"),
    ('history_table = "bad-name"\n', "history_table"),
    ('this is = not toml', "not valid TOML"),
])
def test_bad_configuration_names_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, Overrides(env="dev") if "environments" in text else None, environ={})
    assert fragment in caught.value.message


def test_unknown_environment(tmp_path: Path) -> None:
    write_config(tmp_path, '[environments.dev]\nurl = ""\n')
    with pytest.raises(ConfigError, match="defined: dev"):
        load_settings(tmp_path, Overrides(env="prod"), environ={})


@pytest.mark.parametrize("url", [
    "postgresql://user:s3cr3t@host/db", "postgres://user:s3cr3t@host:5432/db?sslmode=require",
    "host=h password=s3cr3t dbname=d", "host=h password='s 3cr3t' dbname=d", "postgresql://h/db?password=s3cr3t&x=1",
])
def test_redact_removes_passwords(url: str) -> None:
    assert "s3cr3t" not in redact(url)
    assert "***" in redact(url)
