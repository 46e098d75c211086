"""Pilot tests of the certificate review: an untrusted certificate is shown, and answered."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from tests.ui.conftest import UI, make_ui
from tests.ui.fakes import ME
from tuichat.config import load_config
from tuichat.events import CertificateUntrusted, ConnectionStateChanged
from tuichat.model import ConnectionState
from tuichat.ui.screens.accounts import AccountsScreen
from tuichat.ui.screens.certificate import CertificateReview

FINGERPRINT = "sha256:" + "0123456789abcdef" * 4
EVENT = CertificateUntrusted(ME, "example.org:5222", FINGERPRINT, "self-signed certificate")


async def _review(pilot: Pilot[None], ui: UI) -> CertificateReview:
    ui.client.bus.publish(EVENT)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CertificateReview)
    return screen


def _text(screen: CertificateReview) -> str:
    return "\n".join(str(s.render()) for s in screen.query(Static))


async def test_an_untrusted_certificate_is_shown_for_comparison(ui: UI) -> None:
    """The account, the server, why, and the fingerprint in groups of four, eight a line."""
    async with ui.app.run_test(size=(100, 40)) as pilot:
        screen = await _review(pilot, ui)
        text = _text(screen)
        assert ME in text and "example.org:5222" in text and "self-signed certificate" in text
        line = "0123 4567 89AB CDEF 0123 4567 89AB CDEF"
        assert str(screen.query_one("#certificate-fingerprint", Static).render()) == (
            f"{line}\n{line}"
        )
        assert screen.focused is not None and screen.focused.id == "no"  # the safe answer


async def test_trust_once_asks_the_client_and_writes_nothing(ui: UI) -> None:
    """o: the client trusts it for this run (and reconnects); the config is left alone."""
    before = ui.config_path.read_text()
    async with ui.app.run_test(size=(100, 40)) as pilot:
        await _review(pilot, ui)
        await pilot.press("o")
        await pilot.app.workers.wait_for_complete()
        assert not isinstance(pilot.app.screen, CertificateReview)
        assert ui.client.called("trust_certificate") == [("trust_certificate", ME, FINGERPRINT)]
    assert ui.config_path.read_text() == before


async def test_trust_always_pins_it_in_the_config_and_applies_it(ui: UI) -> None:
    """a: cert_fingerprint is written to the account and the accounts are applied again."""
    async with ui.app.run_test(size=(100, 40)) as pilot:
        await _review(pilot, ui)
        await pilot.press("a")
        await pilot.app.workers.wait_for_complete()
        [account] = load_config(ui.config_path).accounts
        assert account.cert_fingerprint == FINGERPRINT
        assert ui.client.called("apply_accounts") == [("apply_accounts", (ME,))]
        assert ui.client.called("trust_certificate") == []


async def test_no_and_escape_trust_nothing(ui: UI) -> None:
    """n, Esc, and Enter on the focused No button leave everything as it was."""
    before = ui.config_path.read_text()
    async with ui.app.run_test(size=(100, 40)) as pilot:
        for key in ("n", "escape", "enter"):
            await _review(pilot, ui)
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            assert not isinstance(pilot.app.screen, CertificateReview)
        assert ui.client.called("trust_certificate") == []
        assert ui.client.called("apply_accounts") == []
    assert ui.config_path.read_text() == before


async def test_the_same_account_is_asked_about_once_at_a_time(ui: UI) -> None:
    """A second event for the account while its review is open does not stack a second one."""
    async with ui.app.run_test(size=(100, 40)) as pilot:
        await _review(pilot, ui)
        ui.client.bus.publish(EVENT)
        await pilot.pause()
        reviews = [s for s in pilot.app.screen_stack if isinstance(s, CertificateReview)]
        assert len(reviews) == 1


async def test_a_refusal_to_trust_is_shown_in_words(ui: UI) -> None:
    """When the client refuses (say the config pins another certificate), the user is told."""
    ui.client.fail["trust_certificate"] = "me@example.org pins another certificate"
    async with ui.app.run_test(size=(100, 40)) as pilot:
        await _review(pilot, ui)
        await pilot.press("o")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in pilot.app._notifications]
        assert "certificate not trusted: me@example.org pins another certificate" in messages


async def test_t_on_the_accounts_screen_reviews_a_refused_certificate(tmp_path: Path) -> None:
    """t connects a CERT_REJECTED account again (so its certificate is shown); not others."""
    ui = make_ui(tmp_path)
    async with ui.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AccountsScreen)
        await pilot.press("t")
        await pilot.app.workers.wait_for_complete()
        assert ui.client.called("reconnect") == []
        reason = f"untrusted certificate (self-signed certificate), {FINGERPRINT}: press t …"
        rejected = ConnectionStateChanged(ME, ConnectionState.CERT_REJECTED, reason)
        ui.client.bus.publish(rejected)
        await pilot.pause()
        await pilot.press("t")
        await pilot.app.workers.wait_for_complete()
        assert ui.client.called("reconnect") == [("reconnect", ME)]
