"""The Lessons pane: the seed programs one by one, each with its counterpart a key away.

The list holds every lesson of netlab.core.lessons; the page beside it tells the one
under the cursor (what the program does, the netlab commands, what comes back and
why, where the seed differs) and, once run, what the commands printed. Its servers
start in the app's lab, so the Servers view shows them and their log; they stay until
the lesson runs again or another one does.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from netlab.core.endpoints import address_text
from netlab.core.errors import NetlabError
from netlab.core.lab import Lab
from netlab.core.lessons.catalogue import LESSONS
from netlab.core.lessons.run import Kind, LessonRun, start_in_lab
from netlab.tui.panes.base import Pane, PaneCommand

if TYPE_CHECKING:
    from collections.abc import Iterator

    from netlab.core.lessons import Lesson, Serve

STYLES: dict[Kind, str] = {"command": "bold", "output": "", "note": "dim", "error": "red"}


class LessonsPane(Pane):
    PANE_ID = "lessons"
    HELP = """\
# Lessons

The seed programs, one lesson each, in the order the tutorials teach them:
IP.go, Mask.go, IPv4Mask.go, the lookups, GetHeadInfo.go, the daytime, echo,
timestamp, UDP daytime, TAB and upper-case servers and their clients, Ping.go,
deadlines and keepalive.

- **↑ ↓** choose a lesson; the page beside the list tells it: what the program
  does, the netlab commands that do the same, what comes back and why, and where
  the seed's own code behaves otherwise.
- **Tab** moves to the page, where **↑ ↓** and **Page Up/Down** scroll it.
- **Enter** or **r** runs its commands here. Servers it starts appear in the
  Servers view (Alt+4) with their live log; they stay until a lesson runs again.
  **Escape** stops a run.
- `netlab lessons` is the same headless: `netlab lessons 12 --run`.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_lesson", "Run it", id="lessons-run"),
        Binding("escape", "stop_run", "Stop it", priority=True, id="lessons-stop"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._lesson = LESSONS[0]
        self._said: list[tuple[Kind, str]] = []
        self._run: LessonRun | None = None
        self._servers: list[str] = []
        """Names of the servers the last run started, stopped when the next one starts."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="lessons-body"):
            yield OptionList(
                *(
                    Option(Text(f"{number:>2} {lesson.title}"), id=lesson.key)
                    for number, lesson in enumerate(LESSONS, 1)
                ),
                id="lessons-list",
            )
            with VerticalScroll(id="lessons-page"):
                yield Static(self._page(), id="lessons-text")

    def focus_first(self) -> None:
        self.screen.set_focus(self.query_one("#lessons-list", OptionList))

    def escape_cancels(self) -> bool:
        return self._run is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_run":
            return self.escape_cancels()
        return True

    def action_stop_run(self) -> None:
        if self._run is not None:
            self._run.stop()

    def commands(self) -> Iterator[PaneCommand]:
        for number, lesson in enumerate(LESSONS, 1):
            yield PaneCommand(
                f"Lesson {number}: run {lesson.title}",
                functools.partial(self.run_lesson, lesson),
                f"{lesson.program}: {lesson.what}",
            )

    # -- choosing and telling ----------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        lesson = _lesson(event.option.id)
        if lesson is not self._lesson and self._run is None:
            self._lesson = lesson
            self._said = []
            self._show()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.run_lesson(_lesson(event.option.id))

    def action_run_lesson(self) -> None:
        self.run_lesson(self._lesson)

    def _show(self) -> None:
        self.query_one("#lessons-text", Static).update(self._page())

    def _page(self) -> Text:
        lesson = self._lesson
        number = LESSONS.index(lesson) + 1
        page = Text()
        page.append(f"{number}. {lesson.program}\n", style="bold")
        page.append(f"{lesson.seeds}\n", style="dim")
        page.append(f"\n{lesson.what}\n")
        if self._said:  # the commands as run, each with what it printed
            page.append("\nWhat came back (r runs it again)\n", style="bold")
            for kind, text in self._said:
                page.append(f"{text}\n", style=STYLES[kind])
        else:
            page.append("\nIn netlab (Enter runs it)\n", style="bold")
            for command in lesson.commands():
                page.append(f"  $ {command}\n")
        page.append("\nWhy\n", style="bold")
        page.append(f"{lesson.came_back}\n")
        if lesson.differs:
            page.append("\nWhere the seed differs\n", style="bold")
            page.append(f"{lesson.differs}\n")
        if lesson.see:
            page.append(f"\n{lesson.see}\n", style="italic")
        return page

    # -- running -----------------------------------------------------------------------

    def run_lesson(self, lesson: Lesson) -> None:
        if self._run is not None:
            self.app.notify("A lesson is running: wait for it, or press Escape to stop it.")
            return
        self._lesson = lesson
        self._said = []
        self._stop_servers()
        self._run = LessonRun(lesson, self._start_server, self._say_from_thread)
        self._show()
        self.refresh_bindings()
        self._run_in_thread(self._run)

    @work(thread=True, exclusive=True, group="lesson")
    def _run_in_thread(self, run: LessonRun) -> None:
        try:
            run.run()
        except (NetlabError, OSError) as error:
            self._say_from_thread("error", f"Could not run it: {error}")
        finally:
            self.app.call_from_thread(self._finished, run)

    def _finished(self, run: LessonRun) -> None:
        if self._run is run:
            self._run = None
            self.refresh_bindings()

    def _say_from_thread(self, kind: Kind, text: str) -> None:
        self.app.call_from_thread(self._say, kind, text)

    def _say(self, kind: Kind, text: str) -> None:
        self._said.append((kind, text))
        self._show()

    def _start_server(self, step: Serve) -> str:
        """Start the step's server in the app's lab, from the run's thread."""
        server = start_in_lab(self._lab(), step)
        self._servers.append(server.name)
        return address_text(server.address)

    def _stop_servers(self) -> None:
        lab, names = self._lab(), self._servers
        self._servers = []
        for name in names:
            if name in lab.servers:
                threading.Thread(target=lab.stop_server, args=(name,), daemon=True).start()

    def _lab(self) -> Lab:
        lab = getattr(self.app, "lab", None)
        if not isinstance(lab, Lab):
            raise RuntimeError("The Lessons pane runs inside an app with a `lab`.")
        return lab


def _lesson(key: str | None) -> Lesson:
    return next((lesson for lesson in LESSONS if lesson.key == key), LESSONS[0])
