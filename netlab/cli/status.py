"""The exit statuses of `netlab`: 0 done, 1 the network said no, 2 bad input.

A module of their own so that main(), opening the app, needs nothing else of the
commands' (output.py re-exports them for the command modules).
"""

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
