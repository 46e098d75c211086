"""Pilot tests of where toasts go: never over a dialog's question nor over the status bar."""

from __future__ import annotations

from textual.widgets._toast import Toast

from tests.ui.conftest import UI
from tests.ui.fakes import ME
from tests.ui.helpers import main_screen, settle
from tuichat.events import SubscriptionRequested
from tuichat.ui.dialogs.subscription import SubscriptionPrompt
from tuichat.ui.widgets.status_bar import StatusBar


async def test_toasts_cover_neither_the_subscription_dialog_nor_the_status_bar(ui: UI) -> None:
    """A request's toast, and two more, while the prompt is open: what shows is clear of both
    (toasts stack from the top; the prompt stands on the status bar)."""
    async with ui.app.run_test(size=(80, 24), notifications=True) as pilot:
        ui.client.bus.publish(SubscriptionRequested(ME, "zed@example.com", "hi, it's Zed"))
        await settle(pilot)
        await pilot.press("alt+a")
        await pilot.pause(0.1)
        prompt = pilot.app.screen
        assert isinstance(prompt, SubscriptionPrompt)
        pilot.app.notify("asked carol@example.org to share presence", timeout=30)
        pilot.app.notify("status: away", title="Presence", timeout=30)
        await pilot.pause(0.3)
        toasts = list(prompt.query(Toast))
        assert len(toasts) == 3
        dialog = prompt.query_one("SubscriptionPrompt > Vertical").region
        status = main_screen(pilot).query_one(StatusBar).region
        shown = [prompt.find_widget(toast).visible_region for toast in toasts]
        assert shown[0].height >= 3  # the request's toast is in view
        for region in shown:
            assert not region.overlaps(dialog), (region, dialog)
            assert not region.overlaps(status), (region, status)
