"""Provides :class:`ActionFakes`: the message action requests of the fake client.

Each applies the action to the fake's store through the same store call the real session
uses (a message carrying an :class:`~tuichat.actions.Action`) and publishes what changed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from tuichat.actions import Action, ActionKind, Marks, reference
from tuichat.errors import ClientError
from tuichat.events import MessageChanged, MessageQueued
from tuichat.model import Direction, Message, MessageState


class ActionFakes:
    """Correct, retract, react, reply, moderate: recorded and applied to the store."""

    calls: list[tuple[Any, ...]]
    store: Any
    bus: Any
    clock: Any
    offline_actions = False
    """Queue our actions in the store's outbox (shown at once, marked not sent yet), as the
    real session does while it is offline, instead of applying them as sent."""

    def _act(self, account: str, message: Message, action: Action, body: str = "") -> None:
        self.clock += timedelta(seconds=1)
        actor = replace(
            message,
            direction=Direction.OUT,
            sender=f"{account}/tuichat",
            body=body,
            timestamp=self.clock,
            stanza_id=None,
            origin_id=f"a{len(self.calls)}",
            message_id=f"a{len(self.calls)}",
            action=action,
            marks=None,
            id=None,
        )
        if action.kind is ActionKind.MODERATE:
            actor = replace(actor, sender=message.conversation, direction=Direction.IN)
        elif self.offline_actions:
            _queued, outcome = self.store.queued_actions.add(actor, message)
            self.bus.publish(MessageChanged(account, outcome.changed or message))
            return
        for outcome in self.store.save_outcomes([actor]):
            if outcome.changed is not None:
                self.bus.publish(MessageChanged(account, outcome.changed))

    @staticmethod
    def _ref(message: Message) -> str:
        return reference(message) or ""

    async def correct_message(self, account: str, message: Message, body: str) -> None:
        """Record; apply to the store."""
        self.calls.append(("correct_message", account, message.id, body))
        if message.direction is not Direction.OUT:
            raise ClientError("only your own messages can be corrected")
        target = reference(message, correction=True) or ""
        self._act(account, message, Action(ActionKind.CORRECT, target), body)

    async def retract_message(self, account: str, message: Message) -> None:
        """Record; apply to the store."""
        self.calls.append(("retract_message", account, message.id))
        if message.direction is not Direction.OUT:
            raise ClientError("only your own messages can be retracted")
        self._act(account, message, Action(ActionKind.RETRACT, self._ref(message)))

    async def react(self, account: str, message: Message, reactions: tuple[str, ...]) -> None:
        """Record; apply to the store."""
        self.calls.append(("react", account, message.id, reactions))
        self._act(account, message, Action(ActionKind.REACT, self._ref(message), reactions))

    async def reply(self, account: str, message: Message, body: str) -> Message:
        """Record; store the reply as pending with its reference."""
        self.calls.append(("reply", account, message.id, body))
        self.clock += timedelta(seconds=1)
        reply = Message(
            account=account,
            conversation=message.conversation,
            direction=Direction.OUT,
            sender=f"{account}/tuichat",
            body=body,
            timestamp=self.clock,
            kind=message.kind,
            state=MessageState.PENDING,
            origin_id=f"o{len(self.calls)}",
            message_id=f"o{len(self.calls)}",
            marks=Marks(reply_to=self._ref(message)),
        )
        stored: Message = self.store.save_message(reply) or reply
        self.bus.publish(MessageQueued(account=account, message=stored))
        return stored

    async def moderate(self, account: str, message: Message, reason: str = "") -> None:
        """Record; apply as the room's announcement would."""
        self.calls.append(("moderate", account, message.id, reason))
        self._act(account, message, Action(ActionKind.MODERATE, self._ref(message), reason=reason))

    async def actions_flushed(self, account: str) -> None:
        """Record."""
        self.calls.append(("actions_flushed", account))
