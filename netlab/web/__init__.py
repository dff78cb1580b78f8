"""`netlab web`: the app served to web browsers (server.py), one app per tab (tab.py),
to those the access rules let in (access.py)."""
