"""The app's panes, one module each; every pane is a view over netlab.core."""
