"""Pilot tests of the conversation pane alone: attributes go down, messages come up."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult

from tuichat.ui.themes import VARIABLE_DEFAULTS
from tuichat.ui.widgets.composer import Composer
from tuichat.ui.widgets.conversation_pane import ConversationPane, PaneState


class PaneApp(App[None]):
    """The pane on its own, recording what it posts."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.recalls = 0

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """tuichat's theme variables, as the real app gives them (the widgets use them)."""
        return dict(VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield ConversationPane(completer=lambda text: [text + "!"])

    @on(ConversationPane.LineSubmitted)
    def _line(self, event: ConversationPane.LineSubmitted) -> None:
        self.lines.append(event.text)

    @on(ConversationPane.RecallWanted)
    def _recall(self, _event: ConversationPane.RecallWanted) -> None:
        self.recalls += 1


async def test_a_line_entered_in_the_composer_goes_up_as_line_submitted() -> None:
    """Enter in the composer: the pane posts LineSubmitted with the text, nothing else."""
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        pane.focus_composer()
        await pilot.press("h", "i", "enter", "up")
        await pilot.pause()
        assert app.lines == ["hi"]
        assert app.recalls == 1


async def test_the_pane_state_sets_header_names_and_occupant_list() -> None:
    """Assigning PaneState shows the header, the occupant list and the composer's nick mode."""
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        pane.state = PaneState(header=Text("# lobby"), occupants=True, nick_completion=True)
        pane.error = "not sent: too big"
        await pilot.pause()
        assert str(pane.query_one("#conversation-header").render()) == "# lobby"
        assert pane.occupants_shown
        assert pane.query_one(Composer).nick_completion
        assert pane.query_one("#inline-error").has_class("-shown")
        pane.state = PaneState(header=Text("alice"))
        pane.error = ""
        await pilot.pause()
        assert not pane.occupants_shown
        assert not pane.query_one("#inline-error").has_class("-shown")
