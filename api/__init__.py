"""The linked-data API, the web page and the `atmp-kg` command line."""
