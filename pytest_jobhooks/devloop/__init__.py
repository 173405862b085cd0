"""The development loop outside pytest: the ``listen``, ``trigger`` and ``replay`` commands of the CLI.

- :mod:`.listen`: a standalone capture server printing each delivery, with the
  live inspector at ``/_jobhooks/``, a transparent proxy to the app under
  development (:mod:`.forward`) and a recording;
- :mod:`.sending`: ``trigger`` sends one whole realistic job of a vendor as it
  delivers, ``replay`` sends recordings again; one line per attempt.

:mod:`.commands` adds them to the command line. rich renders the lines; it is
imported only when a command runs.
"""

from __future__ import annotations

from .commands import COMMANDS, add_commands, run

__all__ = ["COMMANDS", "add_commands", "run"]
