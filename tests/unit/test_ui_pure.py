"""Unit tests of the UI's pure parts: fuzzy scorer, slash parser/completion, attention, state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tuichat.model import Contact, Direction, Message, Show, Subscription
from tuichat.ui import attention, slash
from tuichat.ui.commands import build_registry
from tuichat.ui.fuzzy import rank, score
from tuichat.ui.state import Conversations, RosterState
from tuichat.ui.themes import ThemeError, load_themes, parse_theme, shipped_theme_dirs

SPECS = build_registry().slash_specs


def msg(direction: Direction = Direction.IN, conversation: str = "a@x.org") -> Message:
    """A message for attention decisions."""
    return Message("me@x.org", conversation, direction, f"{conversation}/r", "hi",
                   datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip


# -- fuzzy ---------------------------------------------------------------------------------


def test_fuzzy_requires_characters_in_order() -> None:
    """Letters out of order do not match."""
    assert score("ali", "alice@example.org") is not None
    assert score("ila", "alice") is None


def test_fuzzy_prefers_word_starts_over_scattered_letters() -> None:
    """'ali' ranks alice above malicious and a scattered match."""
    items = ["xavier.l.i@x.org", "malicious@x.org", "alice@x.org"]
    assert rank("ali", items, key=str)[0] == "alice@x.org"


def test_fuzzy_match_after_separator_beats_middle() -> None:
    """A match starting after '@' or '.' scores above one inside a word."""
    after = score("exa", "bob@example.org")
    inside = score("exa", "bobexample")
    assert after is not None and inside is not None and after > inside


def test_fuzzy_empty_query_keeps_order() -> None:
    """An empty query matches everything in the original order."""
    assert rank("", ["b", "a", "c"], key=str) == ["b", "a", "c"]


# -- slash -----------------------------------------------------------------------------------


def test_slash_parses_jid_and_rest_of_line() -> None:
    """The last parameter takes the rest of the line; JIDs are normalised."""
    call = slash.parse("/msg Alice@Example.ORG hello  there", SPECS)
    assert isinstance(call, slash.SlashCall)
    assert call.args == {"jid": "alice@example.org", "text": "hello  there"}


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("/nope", "unknown command /nope"),
        ("/msg", "needs JID"),
        ("/status sleepy", "not one of"),
        ("/accept bad@@jid", "not a valid JID"),
        ("/close now please", "takes no more"),
        ("/", "empty command"),
    ],
)
def test_slash_errors_are_in_words(line: str, needle: str) -> None:
    """Every bad line gets an error that names the problem."""
    result = slash.parse(line, SPECS)
    assert isinstance(result, slash.SlashError)
    assert needle in result.message


def test_slash_status_choice_is_lowercased() -> None:
    """/status AWAY is accepted as away."""
    call = slash.parse("/status AWAY lunch", SPECS)
    assert isinstance(call, slash.SlashCall) and call.args["choice"] == "away"


def test_not_commands() -> None:
    """//x and /me are messages, not commands."""
    assert not slash.is_command("//x")
    assert not slash.is_command("/me waves")
    assert slash.unescape("//x") == "/x"
    assert slash.is_command("/msg a@b")


def test_completion_of_commands_choices_and_jids() -> None:
    """Tab completes names, choices and JIDs (prefix first, then substring)."""
    assert slash.complete("/sta", SPECS, []) == ["/status "]
    assert slash.complete("/status a", SPECS, []) == ["/status away "]
    jids = ["bob@x.org", "alice@x.org", "malice@y.org"]
    assert slash.complete("/msg ali", SPECS, jids) == ["/msg alice@x.org ", "/msg malice@y.org "]
    assert slash.complete("hello", SPECS, jids) == []


# -- attention ---------------------------------------------------------------------------------


def test_attention_in_view_and_focused_is_read() -> None:
    """A message in view of a focused terminal is neither unread nor announced."""
    got = attention.decide(msg(), in_view=True, app_focused=True,
                           policy=attention.AttentionPolicy(bell=True))  # fmt: skip
    assert got == attention.Attention(False, False, False)


def test_attention_unfocused_rings_and_notifies_per_policy() -> None:
    """Not looking: unread, bell and notification as the policy says."""
    got = attention.decide(msg(), in_view=True, app_focused=False,
                           policy=attention.AttentionPolicy(notify=True, bell=True))  # fmt: skip
    assert got == attention.Attention(True, True, True)


def test_attention_muted_is_silent() -> None:
    """A muted conversation counts as unread but makes no noise."""
    policy = attention.AttentionPolicy(notify=True, bell=True, muted=frozenset({"a@x.org"}))
    got = attention.decide(msg(), in_view=False, app_focused=True, policy=policy)
    assert got == attention.Attention(True, False, False)


def test_attention_own_messages_never_count() -> None:
    """Our own messages from another device are not unread."""
    got = attention.decide(msg(Direction.OUT), in_view=False, app_focused=False,
                           policy=attention.AttentionPolicy())  # fmt: skip
    assert not got.unread


def test_osc_payload_has_no_terminators_or_escapes() -> None:
    """ESC, BEL, ST (C1 and 7-bit) and ';' cannot break out of the OSC payload."""
    seq = attention.osc_notifications("eve;\x1b]0;x\x07", "a\x9c b\x1b\\ c\x07d;e\u202e")
    first, second, rest = seq.split("\x07")
    assert rest == ""
    assert first.startswith("\x1b]9;") and "\x1b" not in first[1:]
    assert second.startswith("\x1b]777;notify;") and "\x1b" not in second[1:]
    assert "\x9c" not in seq and "\u202e" not in seq
    assert second.count(";") == 3  # 777;notify;title;body: no extra separators


def test_window_title() -> None:
    """The title shows the unread count only when there is one."""
    assert attention.window_title(0) == "tuichat"
    assert attention.window_title(4) == "(4) tuichat"
    assert "\x07" not in attention.osc_title("x\x07y")[:-1]


# -- state --------------------------------------------------------------------------------------


def test_presence_best_resource_wins_and_offline_resource_drops() -> None:
    """Highest priority resource shows; when it leaves, the next one shows."""
    roster = RosterState()
    roster.set_roster("me@x.org", [Contact("a@x.org", "A", (), Subscription.BOTH)])
    roster.set_presence("me@x.org", "a@x.org/phone", Show.AWAY, "mobile", priority=0)
    roster.set_presence("me@x.org", "a@x.org/pc", Show.ONLINE, "desk", priority=5)
    assert roster.presence("me@x.org", "a@x.org").show is Show.ONLINE
    roster.set_presence("me@x.org", "a@x.org/pc", Show.OFFLINE)
    assert roster.presence("me@x.org", "a@x.org").status == "mobile"
    roster.set_presence("me@x.org", "a@x.org/phone", Show.OFFLINE)
    assert roster.presence("me@x.org", "a@x.org").show is Show.OFFLINE


def test_roster_rows_group_fold_and_sort() -> None:
    """Rows: account, groups alphabetically, online first, offline folded into one line."""
    roster = RosterState()
    roster.set_roster("me@x.org", [
        Contact("b@x.org", "Bea", ("Work",), Subscription.BOTH),
        Contact("a@x.org", "Al", ("Work",), Subscription.BOTH),
        Contact("z@x.org", "Zed", ("Family",), Subscription.BOTH),
    ])  # fmt: skip
    roster.set_presence("me@x.org", "b@x.org/r", Show.ONLINE)
    roster.set_presence("me@x.org", "z@x.org/r", Show.DND)
    rows = roster.rows(["me@x.org"])
    assert [(r.kind, r.label) for r in rows] == [
        ("account", "me@x.org"), ("group", "Family"), ("contact", "Zed"),
        ("group", "Work"), ("contact", "Bea"), ("folded", "1 offline hidden"),
    ]  # fmt: skip
    shown = roster.rows(["me@x.org"], show_offline=True)
    assert [r.label for r in shown if r.kind == "contact"] == ["Zed", "Bea", "Al"]


def test_many_strangers_show_the_busiest_and_say_how_many_more() -> None:
    """Of 2,000 conversations with strangers the rows show the 40 busiest (unread first, then
    a pending request, then by JID) and one line for the rest; the filter searches them all."""
    roster = RosterState()
    roster.set_roster("me@x.org", [Contact("friend@x.org", "Friend")])
    strangers = [("me@x.org", f"s{n:04}@y.org") for n in range(2000)]
    roster.add_request("me@x.org", "s1500@y.org")
    unread = {("me@x.org", "s1999@y.org"): 3, ("me@x.org", "s0007@y.org"): 1}
    rows = roster.rows(["me@x.org"], unread=unread, extra=strangers)
    shown = [r.label for r in rows if r.kind == "contact" and r.jid != "friend@x.org"]
    busiest = {"s1999@y.org", "s1500@y.org"} | {f"s{n:04}@y.org" for n in range(38)}
    assert len(shown) == 40 and set(shown) == busiest
    assert rows[-2].label == "1960 more conversations: Ctrl+K or the filter finds them"
    found = roster.rows(["me@x.org"], unread=unread, extra=strangers, query="s1234")
    assert [r.label for r in found if r.kind == "contact"] == ["s1234@y.org"]


def test_a_stranger_row_tells_no_subscription_unless_asked_for_one() -> None:
    """A contact without a subscription says "no presence"; a stranger, under "Not in
    roster" already, says nothing of it (the note only cut its name), unless it asks."""
    roster = RosterState()
    roster.set_roster("me@x.org", [Contact("mute@x.org", "Mute", (), Subscription.NONE)])
    roster.add_request("me@x.org", "asker@y.org")
    extra = [("me@x.org", "mute@x.org"), ("me@x.org", "eve@y.org"), ("me@x.org", "asker@y.org")]
    notes = {r.jid: r.note for r in roster.rows(["me@x.org"], extra=extra) if r.jid}
    assert notes == {
        "mute@x.org": "no presence",
        "eve@y.org": "",
        "asker@y.org": "asks to subscribe",
    }


def test_roster_thousand_contacts_is_fast_enough_to_build() -> None:
    """Building rows for 2,000 contacts works (a smoke check, no timing asserted)."""
    roster = RosterState()
    roster.set_roster("me@x.org", [Contact(f"u{n}@x.org", f"User {n}") for n in range(2000)])
    rows = roster.rows(["me@x.org"], show_offline=True)
    assert sum(r.kind == "contact" for r in rows) == 2000


def test_conversations_close_and_next_unread() -> None:
    """Closing shows a neighbour; next unread walks the given order and wraps."""
    convs = Conversations()
    for key in [("m", "a"), ("m", "b"), ("m", "c")]:
        convs.show(key)
    assert convs.close(("m", "c")) == ("m", "b")
    convs.show(("m", "a"))
    convs.add_unread(("m", "b"))
    convs.add_unread(("m", "z"))
    order = [("m", "a"), ("m", "b")]
    assert convs.next_unread(order) == ("m", "b")
    convs.show(("m", "b"))
    assert convs.next_unread(order) == ("m", "z")
    assert convs.total_unread == 1


# -- themes and registry -------------------------------------------------------------------------


def test_shipped_themes_load() -> None:
    """dark, light and high-contrast ship and parse."""
    loaded = load_themes(shipped_theme_dirs())
    assert loaded.problems == ()
    assert {"dark", "light", "high-contrast"} <= set(loaded.themes)
    assert loaded.themes["light"].dark is False


def test_bad_theme_is_reported_with_file(tmp_path: Path) -> None:
    """A broken user theme is skipped with its file named, and a later dir overrides."""
    (tmp_path / "broken.toml").write_text('name = "b"\nprimary = "notacolour"\n')
    (tmp_path / "dark.toml").write_text('primary = "#ff0000"\n')
    loaded = load_themes([*shipped_theme_dirs(), tmp_path])
    assert any("broken.toml" in p for p in loaded.problems)
    assert loaded.themes["dark"].primary == "#ff0000"
    with pytest.raises(ThemeError, match="primary is required"):
        parse_theme('name = "x"\n', "x.toml")


def test_registry_keys_follow_keys_table_and_overrides() -> None:
    """Keys come from tuichat.keys.ACTIONS, and the user's [keys] wins."""
    registry = build_registry({"quick_switcher": "ctrl+g"})
    switcher = registry.get("quick_switcher")
    assert switcher is not None and switcher.keys == "ctrl+g"
    editor = registry.get("external_editor")
    assert editor is not None and editor.keys == "ctrl+e" and editor.slash == "edit"
    slashes = {c.slash for c in registry.commands if c.slash}
    assert {
        "msg",
        "close",
        "status",
        "add",
        "remove",
        "rename",
        "group",
        "accept",
        "deny",
        "help",
        "quit",
        "account",
        "search",
        "edit",
        "theme",
        "mute",
        "unmute",
    } <= slashes
