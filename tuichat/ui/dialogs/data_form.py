"""Provides :class:`DataFormView`: any data form (XEP-0004), rendered for the keyboard.

One editor per field type: a tick box (Space) for booleans, one-line inputs for text and JIDs
(hidden characters for ``text-private``), a small text area for ``text-multi`` and
``jid-multi`` (one value a line), a drop-down for ``list-single`` (an input when the list is
open to other values), a tick list for ``list-multi``. Required fields carry a ``*``;
descriptions and instructions are shown in words, pictures (XEP-0221) above their field when
the stanza carried them, drawn by the one picture widget (:mod:`tuichat.ui.picture_view`: kitty
graphics, sixel or half blocks, as the terminal allows), and as a link always; results
are shown as text and a table. Tab and Shift+Tab move between fields, the view scrolls to
keep the focused one in sight. Everything from the network is shown as ``rich.text.Text``.

:meth:`DataFormView.answers` reads what the user gave; :meth:`DataFormView.validate` shows
each field's problem under it (from :func:`tuichat.forms.check_form`) and says whether the
form may be sent. Also :class:`DataFormScreen`, a modal around it that returns the filled
form (Ctrl+S) or ``None`` (Esc).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from tuichat.forms import Field, FieldType, Form, check_form, filled, parse_answer
from tuichat.ui.picture_view import PictureView
from tuichat.ui.pictures import MAX_COLUMNS, MAX_ROWS
from tuichat.ui.render import safe_text

TABLE_ROWS = 200
"""Rows of a result table shown at most (the rest is counted)."""


def _is_open(field: Field) -> bool:
    return field.validation is not None and field.validation.method == "open"


def _options(field: Field) -> list[tuple[str, str]]:
    """``(title, value)`` of each option, without repeated values."""
    seen: set[str] = set()
    out = []
    for option in field.options:
        if option.value not in seen:
            seen.add(option.value)
            out.append((option.title, option.value))
    return out


def field_editor(field: Field, index: int) -> Widget | None:
    """The widget that edits ``field`` (``None`` for fixed and hidden fields)."""
    ident = f"field-{index}"
    kind = field.type
    if kind == FieldType.BOOLEAN:
        box_label = safe_text(field.title)
        if field.required:
            box_label.append(" *", style="bold red")
        return Checkbox(box_label, field.checked, id=ident, compact=True)
    if kind in (FieldType.TEXT_MULTI, FieldType.JID_MULTI):
        hint = "one address a line" if kind == FieldType.JID_MULTI else ""
        return TextArea(field.text, id=ident, soft_wrap=True, compact=True, placeholder=hint)
    if kind == FieldType.LIST_SINGLE and field.options and not _is_open(field):
        titled = [(safe_text(t), v) for t, v in _options(field)]
        current = next(
            (v for _t, v in _options(field) if field.values and v == field.values[0]), Select.NULL
        )
        return Select(titled, value=current, allow_blank=not field.required, id=ident, compact=True)
    if kind == FieldType.LIST_MULTI and field.options:
        chosen = set(field.values)
        picks = [(safe_text(t), v, v in chosen) for t, v in _options(field)]
        return SelectionList[str](*picks, id=ident, compact=True)
    if kind in (FieldType.FIXED, FieldType.HIDDEN):
        return None
    hints = {FieldType.JID_SINGLE: "name@example.org", FieldType.LIST_SINGLE: "a choice"}
    return Input(
        field.text,
        placeholder=hints.get(kind, ""),
        password=kind == FieldType.TEXT_PRIVATE,
        id=ident,
        compact=True,
    )


def read_editor(field: Field, editor: Widget) -> tuple[str, ...]:
    """What ``editor`` holds, as ``field``'s wire values."""
    if isinstance(editor, Checkbox):
        return ("1",) if editor.value else ("0",)
    if isinstance(editor, Select):
        value = editor.value
        return () if value is Select.NULL or value is Select.BLANK else (str(value),)
    if isinstance(editor, SelectionList):
        return tuple(str(v) for v in editor.selected)
    if isinstance(editor, TextArea):
        return parse_answer(field, editor.text)
    if isinstance(editor, Input):
        return parse_answer(field, editor.value)
    return field.values


def label_text(field: Field) -> Text:
    """A field's label, with a ``*`` when it is required."""
    text = safe_text(field.title, "bold")
    if field.required:
        text.append(" *", style="bold red")
    return text


def value_text(field: Field) -> Text:
    """A result field's value as text (booleans as yes/no, options by their titles)."""
    if field.type == FieldType.BOOLEAN:
        return Text("yes" if field.checked else "no")
    if field.type == FieldType.TEXT_PRIVATE:
        return Text("•" * 8 if field.values else "")
    return safe_text("\n".join(field.option_title(v) for v in field.values))


class DataFormView(VerticalScroll):
    """A scrolling view of one form: editors for a form to fill, text for a result."""

    DEFAULT_CSS = """
    DataFormView { height: auto; max-height: 100%; padding: 0 1 0 0; }
    DataFormView .form-title { text-style: bold; }
    DataFormView .form-instructions { color: $foreground-darken-1; }
    DataFormView .form-field { height: auto; }
    DataFormView .form-row { height: auto; }
    DataFormView .form-label { width: 22; padding-right: 1; }
    DataFormView .form-value { width: 1fr; }
    DataFormView .form-note { padding-left: 22; }
    DataFormView .form-fixed { text-style: italic; }
    DataFormView .form-picture { width: auto; height: auto; }
    DataFormView .form-desc { color: $foreground-darken-2; }
    DataFormView .form-error { color: $error; display: none; }
    DataFormView .form-field.-invalid .form-error { display: block; }
    DataFormView .form-field.-invalid Input,
    DataFormView .form-field.-invalid TextArea { background: $error 20%; }
    DataFormView Input { width: 1fr; background: $panel; }
    DataFormView Input:focus { background: $primary 30%; }
    DataFormView TextArea { width: 1fr; height: auto; max-height: 5; background: $panel; }
    DataFormView SelectionList { width: 1fr; height: auto; max-height: 6; background: $panel; }
    DataFormView Select { width: 1fr; }
    DataFormView Checkbox { background: transparent; }
    DataFormView DataTable { height: auto; max-height: 12; margin-top: 1; }
    """

    def __init__(self, form: Form, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.form = form
        self.read_only = form.kind == "result"
        self._editors: dict[int, Widget] = {}

    def compose(self) -> ComposeResult:
        """Title, instructions, one block per field, the result table."""
        form = self.form
        if form.title:
            yield Static(safe_text(form.title), classes="form-title")
        lines = list(form.instructions)
        if form.dropped:
            lines.append(f"({form.dropped} parts of this form were too many to show)")
        if lines:
            yield Static(safe_text("\n".join(lines)), classes="form-instructions")
        for index, field in enumerate(form.fields):
            yield from self._field_block(field, index)
        if form.reported:
            yield self._table()

    def _field_block(self, field: Field, index: int) -> ComposeResult:
        if field.type == FieldType.HIDDEN:
            return
        with Vertical(classes="form-field", id=f"block-{index}"):
            if field.type == FieldType.FIXED:
                yield Static(safe_text("\n".join(field.values)), classes="form-fixed")
                return
            notes = [field.desc] if field.desc else []
            if field.media is not None and field.media.picture:
                picture = field.media.picture
                yield PictureView(
                    picture, columns=MAX_COLUMNS, rows=MAX_ROWS, classes="form-picture"
                )
            editor = None if self.read_only else field_editor(field, index)
            with Horizontal(classes="form-row"):
                boxed = isinstance(editor, Checkbox)  # the box carries the label
                yield Static(Text() if boxed else label_text(field), classes="form-label")
                if editor is None:
                    yield Static(value_text(field), classes="form-value")
                else:
                    self._editors[index] = editor
                    yield editor
            if field.options and isinstance(editor, Input):  # a list open to other values
                titles = [t for t, _v in _options(field)]
                more = f" and {len(titles) - 10} more" if len(titles) > 10 else ""
                notes.append(f"choices: {', '.join(titles[:10])}{more}, or another value")
            if field.media is not None and field.media.link:
                size = ""
                if field.media.width and field.media.height:
                    size = f" ({field.media.width}×{field.media.height})"
                notes.append(f"picture: {field.media.link}{size}")
            if notes:
                yield Static(safe_text("\n".join(notes)), classes="form-desc form-note")

    def _table(self) -> DataTable[Text]:
        table: DataTable[Text] = DataTable(zebra_stripes=True, cursor_type="row")
        table.add_columns(*(safe_text(c.label or c.var) for c in self.form.reported))
        rows = self.form.table()
        for row in rows[:TABLE_ROWS]:
            table.add_row(*(safe_text(cell) for cell in row))
        if len(rows) > TABLE_ROWS:
            table.add_row(Text(f"… {len(rows) - TABLE_ROWS} more"))
        return table

    def answers(self) -> dict[str, tuple[str, ...]]:
        """What the user gave, var → values (answerable fields only)."""
        out: dict[str, tuple[str, ...]] = {}
        for index, editor in self._editors.items():
            field = self.form.fields[index]
            if field.var:
                out[field.var] = read_editor(field, editor)
        return out

    def result(self) -> Form:
        """The form with the user's answers as its values."""
        return filled(self.form, self.answers())

    def validate(self) -> bool:
        """Show each field's problem under it (clear the rest); focus the first bad one.
        Whether the form may be sent."""
        problems = check_form(self.form, self.answers())
        first: Widget | None = None
        for index, field in enumerate(self.form.fields):
            if index not in self._editors:
                continue
            problem = problems.get(field.var, "")
            block = self.query_one(f"#block-{index}")
            block.set_class(bool(problem), "-invalid")
            shown = block.query(f"#error-{index}")
            if shown:
                shown.first(Static).update(safe_text(problem))
            elif problem:  # made on the first problem only: a big form mounts faster
                error = Static(safe_text(problem), classes="form-error form-note")
                error.id = f"error-{index}"
                block.mount(error)
            if problem and first is None:
                first = self._editors[index]
        if first is not None:
            first.focus()
        return first is None

    def focus_first(self) -> None:
        """Focus the first editor (or the view itself, to scroll a result)."""
        if self._editors:
            next(iter(self._editors.values())).focus()
        else:
            self.focus()


class DataFormScreen(ModalScreen[Form | None]):
    """A form in a modal: Ctrl+S checks and returns the filled form, Esc returns ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    DEFAULT_CSS = """
    DataFormScreen { align: center middle; }
    DataFormScreen > Vertical {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    DataFormScreen #form-heading { text-style: bold; }
    DataFormScreen #form-status { color: $foreground-darken-2; }
    DataFormScreen #form-status.-error { color: $error; }
    DataFormScreen #form-body { height: 1fr; }
    DataFormScreen #form-buttons { height: auto; }
    DataFormScreen Button { margin-right: 2; }
    """

    def __init__(self, heading: str, form: Form, *, save: str = "Save") -> None:
        super().__init__()
        self.heading = heading
        self.form = form
        self.save_word = save

    def compose(self) -> ComposeResult:
        """Heading, the form, a status line, buttons."""
        with Vertical():
            yield Static(safe_text(self.heading), id="form-heading")
            yield DataFormView(self.form, id="form-body")
            yield Static("* required; Tab moves, Space ticks, Ctrl+S saves", id="form-status")
            with Horizontal(id="form-buttons"):
                yield Button(
                    f"{self.save_word} (Ctrl+S)", id="save", variant="primary", compact=True
                )
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Start in the first field."""
        self.query_one(DataFormView).focus_first()

    def action_save(self) -> None:
        """Return the filled form, unless a field is wrong (then say so under it)."""
        view = self.query_one(DataFormView)
        status = self.query_one("#form-status", Static)
        if not view.validate():
            status.update("some fields need a look (in red)")
            status.add_class("-error")
            return
        self.dismiss(view.result())

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()
