"""Tests for reading and checking the config file, and for password sources."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.harness.pki import make_pki
from tuichat.config import (
    AccountConfig,
    Config,
    ConfigError,
    PasswordError,
    PasswordSource,
    Problem,
    TLSMode,
    UIConfig,
    check_config,
    load_config,
    resolve_password,
)
from tuichat.config.check import ca_file_problem
from tuichat.config.password import shorten


@pytest.fixture(scope="module")
def ca_pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real PEM CA certificate."""
    return make_pki(tmp_path_factory.mktemp("pki")).ca_cert


FULL = """\
# a full config
[ui]
theme = "nord"
bell = true
notify = false
inline_images = false

[keys]
quick_switcher = "ctrl+t"

[[account]]
jid = "Alice@Example.TEST"
password_command = "pass show xmpp/alice"
host = "127.0.0.1"
port = 25222
tls = "direct"
ca_file = "ca.pem"
resource = "laptop"
enabled = false
notify = false
bell = true
muted = ["Room@Muc.Example.test", "bob@example.test/phone"]

[[account]]
jid = "bob@example.test"
password_env = "BOB_PASSWORD"
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    """Write ``text`` as config.toml with ``mode``."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_full_config_is_read_and_normalised(tmp_path: Path, ca_pem: Path) -> None:
    """Every documented key reaches the Config, JIDs normalised, ca_file beside the config."""
    shutil.copy(ca_pem, tmp_path / "ca.pem")
    config = load_config(write(tmp_path, FULL))
    assert config.ui.theme == "nord" and config.ui.bell and not config.ui.notify
    assert not config.ui.inline_images
    assert dict(config.ui.keys) == {"quick_switcher": "ctrl+t"}
    alice, bob = config.accounts
    assert alice == AccountConfig(
        jid="alice@example.test",
        password=PasswordSource("command", "pass show xmpp/alice"),
        host="127.0.0.1",
        port=25222,
        tls=TLSMode.DIRECT,
        ca_file=tmp_path / "ca.pem",
        resource="laptop",
        enabled=False,
        notify=False,
        bell=True,
        muted=("room@muc.example.test", "bob@example.test"),
    )
    assert bob == AccountConfig("bob@example.test", PasswordSource("env", "BOB_PASSWORD"))
    assert config.account("BOB@example.test") is bob
    assert check_config(tmp_path / "config.toml") == []


def test_missing_file_loads_as_empty_config(tmp_path: Path) -> None:
    """First start: no config yet is not an error for the app."""
    config = load_config(tmp_path / "nope.toml")
    assert config == Config(tmp_path / "nope.toml", UIConfig(), ())


def test_missing_file_is_a_problem_for_check(tmp_path: Path) -> None:
    """`config check` on a missing file must fail so a script notices the wrong path."""
    [problem] = check_config(tmp_path / "nope.toml")
    assert problem.line == 0 and "does not exist" in problem.message


def test_ca_file_tilde_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ca_pem: Path
) -> None:
    """`~/ca.pem` means the home folder, as in a shell."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ca_pem, home / "ca.pem")
    monkeypatch.setenv("HOME", str(home))
    text = '[[account]]\njid = "a@x.test"\npassword_env = "P"\nca_file = "~/ca.pem"\n'
    [account] = load_config(write(tmp_path, text)).accounts
    assert account.ca_file == home / "ca.pem"


ACCOUNT = '[[account]]\njid = "a@x.test"\npassword_env = "P"\n'

# (config text, expected line, expected key, fragment of the message)
PROBLEMS = [
    ('[ui]\ntheme = "dark"\nbell = \n', 3, "toml", "syntax error: invalid value"),
    ('[ui]\ntheme = "a"\ntheme = "b"\n', 3, "toml", "syntax error"),
    ('[ui]\ncolour = "red"\n', 2, "ui.colour", "unknown key"),
    ('[ui]\nthme = "red"\n', 2, "ui.thme", "did you mean 'theme'?"),
    ('[iu]\ntheme = "red"\n', 1, "iu", "unknown key (did you mean 'ui'?)"),
    ('top = 1\n[ui]\ntheme = "x"\n', 1, "top", "unknown key"),
    ("[ui]\nbell = 1\n", 2, "ui.bell", "must be true or false, not an integer"),
    ("[ui]\ntheme = 3\n", 2, "ui.theme", "must be a string, not an integer"),
    ("[ui]\ninline_images = 1\n", 2, "ui.inline_images", "must be true or false"),
    ('[ui]\ntheme = " "\n', 2, "ui.theme", "must not be empty"),
    ("ui = 5\n", 1, "ui", "must be a table"),
    ('[keys]\nfly = "ctrl+y"\n', 2, "keys.fly", "unknown action"),
    ('[keys]\n\nquit = "ctrl+qq"\n', 3, "keys.quit", "unknown key name 'qq'"),
    ("[keys]\nquit = 1\n", 2, "keys.quit", "must be a string"),
    (ACCOUNT + "port = 70000\n", 4, "account.port", "70000 is out of range (1–65535)"),
    (ACCOUNT + "port = 0\n", 4, "account.port", "out of range"),
    (ACCOUNT + 'port = "5222"\n', 4, "account.port", "must be an integer, not a string"),
    (ACCOUNT + "port = true\n", 4, "account.port", "must be an integer, not a boolean"),
    (ACCOUNT + 'tls = "ssl"\n', 4, "account.tls", "'ssl' is not one of: starttls, direct"),
    (ACCOUNT + 'enabled = "yes"\n', 4, "account.enabled", "must be true or false"),
    (ACCOUNT + 'ca_file = "/no/such/ca.pem"\n', 4, "account.ca_file", "no such file"),
    (ACCOUNT + 'pasword = "x"\n', 4, "account.pasword", "did you mean 'password'?"),
    (ACCOUNT + 'host = "bad host"\n', 4, "account.host", "not a valid host name"),
    (ACCOUNT + 'resource = ""\n', 4, "account.resource", "must not be empty"),
    (ACCOUNT + 'muted = ["ok@x.test", "a b@x.test"]\n', 4, "account.muted", "space"),
    (ACCOUNT + "muted = [1]\n", 4, "account.muted", "array of JIDs"),
    ('[[account]]\njid = "a b@x.test"\npassword_env = "P"\n', 2, "account.jid", "space"),
    ('[[account]]\njid = "x.test"\npassword_env = "P"\n', 2, "account.jid", "user name"),
    ('[[account]]\njid = "a@x.test/r"\npassword_env = "P"\n', 2, "account.jid", "/resource"),
    ('\n[[account]]\npassword_env = "P"\n', 2, "account.jid", "missing"),
    ('# c\n[[account]]\njid = "a@x.test"\n', 2, "account", "no password"),
    (ACCOUNT + 'password_command = "pass x"\n', 4, "account.password_command", "more than one"),
    ('[[account]]\njid = "a@x.test"\npassword_env = "1X"\n', 3, "account.password_env", "name"),
    ('[[account]]\njid = "a@x.test"\npassword_command = "x \'"\n', 3, "", "cannot be split"),
    ('[[account]]\njid = "a@x.test"\npassword_command = " "\n', 3, "", "must not be empty"),
    ('[account]\njid = "a@x.test"\n', 1, "account", "[[account]] (two brackets)"),
    (
        ACCOUNT + '\n[[account]]\njid = "A@X.TEST"\npassword_env = "Q"\n',
        6,
        "account.jid",
        "duplicate account a@x.test (first at line 2)",
    ),
]


@pytest.mark.parametrize(("text", "line", "key", "fragment"), PROBLEMS)
def test_each_problem_has_its_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, fragment: str
) -> None:
    """A script (or a person) must be sent straight to the offending line and key."""
    path = write(tmp_path, text)
    problems = check_config(path)
    assert len(problems) == 1, problems
    [problem] = problems
    assert problem.line == line
    assert problem.key == (key or problem.key)
    assert fragment in problem.message
    assert str(problem) == f"{path}:{line}: {problem.key}: {problem.message}"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == problems


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    """All problems at once: fixing a file must not take one run per mistake."""
    text = (
        "[ui]\n"  # 1
        "bell = 2\n"  # 2
        "[keys]\n"  # 3
        'quit = "hyper+q"\n'  # 4
        "[[account]]\n"  # 5
        'jid = "alice@x.test"\n'  # 6
        "muted = [\n"  # 7
        '  "ok@x.test",  # a ] in a comment\n'  # 8
        '  """multi ] line""",\n'  # 9
        "]\n"  # 10
        "port = 99999\n"  # 11
        "[[account]]\n"  # 12
        'jid = "ALICE@x.test"\n'  # 13
        'password_env = "P"\n'  # 14
        'tls = "none"\n'  # 15
    )
    problems = check_config(write(tmp_path, text))
    assert [(p.line, p.key) for p in problems] == [
        (2, "ui.bell"),
        (4, "keys.quit"),
        (5, "account"),  # no password source
        (7, "account.muted"),
        (11, "account.port"),
        (13, "account.jid"),
        (15, "account.tls"),
    ]


def test_dotted_and_quoted_keys_are_located(tmp_path: Path) -> None:
    """Line mapping copes with dotted keys and quoted keys, not only `key = value`."""
    text = '# hi\nui.theme = "x"\n"ui".bell = "no"\n'
    [problem] = check_config(write(tmp_path, text))
    assert (problem.line, problem.key) == (3, "ui.bell")


def test_plain_password_in_readable_file_is_refused_without_echo(tmp_path: Path) -> None:
    """Others could read the secret; the error must say how to fix it and never show it."""
    secret = "hunter2-very-secret"
    path = write(tmp_path, f'[[account]]\njid = "a@x.test"\npassword = "{secret}"\n', 0o644)
    [problem] = check_config(path)
    assert (problem.line, problem.key) == (3, "account.password")
    assert "chmod 600" in problem.message
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert secret not in str(info.value) and secret not in str(problem)


def test_plain_password_in_private_file_is_accepted(tmp_path: Path) -> None:
    """A 0600 file is as safe as any password store for a plain password."""
    path = write(tmp_path, '[[account]]\njid = "a@x.test"\npassword = "pw"\n', 0o600)
    [account] = load_config(path).accounts
    assert account.password == PasswordSource("plain", "pw")


def test_plain_password_never_in_repr() -> None:
    """Logging a config object must not leak the password."""
    account = AccountConfig("a@x.test", PasswordSource("plain", "s3cret-pw"))
    assert "s3cret-pw" not in repr(account)
    assert "s3cret-pw" not in repr(account.password) and "***" in repr(account.password)
    assert "pass show" in repr(PasswordSource("command", "pass show x"))


def test_wrong_type_for_password_does_not_echo_it(tmp_path: Path) -> None:
    """Even a mistyped password value stays out of the error."""
    path = write(tmp_path, '[[account]]\njid = "a@x.test"\npassword = 987654321\n')
    [problem] = check_config(path)
    assert "987654321" not in str(problem)


def test_invalid_utf8_is_reported_at_its_line(tmp_path: Path) -> None:
    """A stray byte is a problem at its line, not a crash."""
    path = tmp_path / "config.toml"
    path.write_bytes(b'[ui]\ntheme = "caf\xe9"\n')
    [problem] = check_config(path)
    assert (problem.line, problem.key) == (2, "file")


def test_config_error_message_counts_the_rest(tmp_path: Path) -> None:
    """The one-line message shows the first problem and how many more there are."""
    problems = [Problem(tmp_path, n, "k", "bad") for n in (1, 2, 3)]
    assert str(ConfigError(problems)).endswith("(and 2 more problems)")


def test_password_command_runs_without_shell() -> None:
    """`printf secret` prints the password; the first line is used."""
    assert resolve_password(PasswordSource("command", "printf 'secret\\nsecond'")) == "secret"
    assert resolve_password(PasswordSource("command", "echo '$HOME;x'")) == "$HOME;x"


def test_failing_password_command_reports_code_and_stderr() -> None:
    """The user must see why `pass` failed, and no password; the loggable reason has no stderr."""
    script = (
        "import sys; print('topsecret'); print('gpg: no key', file=sys.stderr); "
        "print('token=XYZ', file=sys.stderr); sys.exit(3)"
    )
    source = PasswordSource("command", f'{sys.executable} -c "{script}"')
    with pytest.raises(PasswordError) as info:
        resolve_password(source)
    message = str(info.value)
    assert "exit code 3" in message and message.endswith(": gpg: no key")
    assert "topsecret" not in message and "XYZ" not in message
    assert "exit code 3" in info.value.reason and "gpg" not in info.value.reason


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("gpg: no key", "gpg: no key"),
        ("  padded\t", "padded"),
        ("esc \x1b[31m red", "esc  [31m red"),
        ("x" * 80, "x" * 80),
        ("x" * 81, "x" * 79 + "…"),
        ("", ""),
    ],
)
def test_stderr_is_shown_cleaned_and_shortened(text: str, shown: str) -> None:
    """The one stderr line shown carries no control characters and at most 80 characters."""
    assert shorten(text) == shown


def test_a_hanging_password_command_is_stopped_with_its_children(tmp_path: Path) -> None:
    """The command and what it started are killed after the short timeout."""
    pidfile = tmp_path / "pid"
    command = f"sh -c 'sleep 300 & echo $! > {pidfile}; wait'"
    started = time.monotonic()
    with pytest.raises(PasswordError, match="did not finish within 10 s"):
        resolve_password(PasswordSource("command", command))
    assert time.monotonic() - started < 15
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("<dir>", "is not a file"),
        ("", "holds no PEM certificate"),
        ("root:x:0:0:root:/root:/bin/bash\n", "holds no PEM certificate"),
        ("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", "cannot be read"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "no PEM certificate"),
        ("<ca>", None),
    ],
)
def test_ca_file_problems(
    tmp_path: Path, ca_pem: Path, content: str | None, problem: str | None
) -> None:
    """A CA file must be a regular file holding at least one loadable PEM certificate."""
    path = tmp_path / "ca.pem"
    if content == "<dir>":
        path.mkdir()
    elif content == "<ca>":
        shutil.copy(ca_pem, path)
    elif content is not None:
        path.write_text(content)
    found = ca_file_problem(path)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and str(path) in found


def test_ca_file_that_is_a_device_is_refused() -> None:
    """`/dev/zero` is not read (it never ends)."""
    assert ca_file_problem(Path("/dev/zero")) == "/dev/zero is not a file"


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("no-such-command-tuichat", "not found"),
        ("true", "printed no password"),
        ("", "empty"),
        ("pass 'x", "cannot be parsed"),
    ],
)
def test_password_command_errors_are_words(command: str, fragment: str) -> None:
    """Each way a password command can fail becomes a PasswordError, never a traceback."""
    with pytest.raises(PasswordError, match=fragment):
        resolve_password(PasswordSource("command", command))


def test_password_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment variable source reads the variable, and names it when unset."""
    monkeypatch.setenv("TUICHAT_TEST_PW", "from-env")
    assert resolve_password(PasswordSource("env", "TUICHAT_TEST_PW")) == "from-env"
    monkeypatch.delenv("TUICHAT_TEST_PW")
    with pytest.raises(PasswordError, match="TUICHAT_TEST_PW is not set"):
        resolve_password(PasswordSource("env", "TUICHAT_TEST_PW"))


def test_password_plain() -> None:
    """A plain source is its own value."""
    assert resolve_password(PasswordSource("plain", "pw")) == "pw"
