"""Pilot test of a presence flood over a big roster (the fake client's bus, no server).

A presence change re-renders the contact list, coalesced; the rows that did not change must
keep their options (and so their measured prompts), or every rebuild re-measures the whole
roster: 1,000 contacts under 500 presence changes a second cost ~30 ms per rebuild.
"""

from __future__ import annotations

from tests.ui.conftest import UI
from tests.ui.fakes import ME
from tests.ui.helpers import main_screen, settle
from tuichat import events as ev
from tuichat.model import Contact, Show, Subscription
from tuichat.ui.widgets.roster_list import RosterList


def contacts_named(count: int) -> tuple[Contact, ...]:
    """``count`` contacts, both ways subscribed, named by number."""
    return tuple(
        Contact(f"c{i:03d}@example.org", f"Contact {i:03d}", subscription=Subscription.BOTH)
        for i in range(count)
    )


def all_online(ui: UI, contacts: tuple[Contact, ...]) -> None:
    """The roster ``contacts`` arrives, and every one of them comes online."""
    ui.client.bus.publish(ev.RosterReceived(ME, contacts))
    for contact in contacts:
        ui.client.bus.publish(ev.PresenceChanged(ME, f"{contact.jid}/r", Show.ONLINE, "", 0))


async def test_a_presence_change_rebuilds_only_the_rows_it_changed(ui: UI) -> None:
    """Of 200 contacts, one goes away: only its option is new; the others are reused."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        all_online(ui, contacts_named(200))
        await settle(pilot)
        roster = main_screen(pilot).query_one(RosterList)
        before = {roster.get_option_at_index(i).id: roster.get_option_at_index(i)
                  for i in range(roster.option_count)}  # fmt: skip
        ui.client.bus.publish(ev.PresenceChanged(ME, "c007@example.org/r", Show.AWAY, "out", 0))
        await settle(pilot)
        after = [roster.get_option_at_index(i) for i in range(roster.option_count)]
        assert any("Contact 007" in str(o.prompt) and "out" in str(o.prompt) for o in after)
        changed = [o.id for o in after if before.get(o.id) is not o]
        assert len(changed) == 1 and "c007@example.org" in str(changed[0])


async def test_each_row_is_one_line_and_the_last_of_thousands_is_reached(ui: UI) -> None:
    """Rows are mapped one line each, unmeasured: as many lines as rows (2,000 contacts and
    the accounts' and groups' rows), the last line is the last row, and a name with a line
    break (a peer's choice) stays on its row, the break shown as a space."""
    contacts = [
        Contact(f"c{i:04d}@example.org", f"Contact {i:04d}", subscription=Subscription.BOTH)
        for i in range(1999)
    ]
    contacts.append(Contact("evil@example.org", "Aaa\nEvil", subscription=Subscription.BOTH))
    async with ui.app.run_test(size=(120, 40)) as pilot:
        all_online(ui, tuple(contacts))
        await settle(pilot)
        roster = main_screen(pilot).query_one(RosterList)
        assert roster.option_count > 2000
        assert roster.virtual_size.height == roster.option_count
        shown = [roster.render_line(y).text for y in range(4)]
        assert any("Aaa Evil" in line for line in shown), shown
        assert not any(line.strip() == "Evil" for line in shown), shown
        roster.scroll_end(animate=False, immediate=True)
        await settle(pilot)
        last = roster.get_option_at_index(roster.option_count - 1).prompt
        bottom = roster.render_line(roster.scrollable_content_region.height - 1).text
        assert str(getattr(last, "plain", last))[:12] in bottom, bottom  # cut to the width


async def test_a_click_opens_the_row_under_the_mouse_and_the_hover_follows_it(ui: UI) -> None:
    """Rows carry no mouse meta (each segment's style would be unique to its row): the line
    under the mouse is the row, scrolled or not, down to the last row."""
    async with ui.app.run_test(size=(120, 40)) as pilot:
        all_online(ui, contacts_named(100))
        await settle(pilot)
        roster = main_screen(pilot).query_one(RosterList)
        at = next(i for i, row in enumerate(roster.rows) if row.jid == "c005@example.org")
        await pilot.hover(RosterList, offset=(3, at))
        assert roster._mouse_hovering_over == at
        await pilot.click(RosterList, offset=(3, at))
        await settle(pilot)
        assert main_screen(pilot).convs.current == (ME, "c005@example.org")
        roster.scroll_to(y=50, animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(RosterList, offset=(3, 2))
        await settle(pilot)
        assert main_screen(pilot).convs.current == (ME, roster.rows[52].jid)
        assert roster.rows[52].jid.startswith("c")
        roster.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        await pilot.hover(RosterList, offset=(3, roster.size.height - 1))
        assert roster._mouse_hovering_over == len(roster.rows) - 1
