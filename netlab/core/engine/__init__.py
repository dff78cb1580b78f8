"""A lab in another process: its servers served over a Unix socket (control.py) and
reached from the app (remote.py), in JSON lines (codec.py).

`netlab serve … --control PATH` runs a lab headless and serves it; `netlab --attach
PATH` opens the app on it. The servers stay where they run: detaching leaves them.
"""
