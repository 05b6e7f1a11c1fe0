"""Entry points: the command line (cli/), and beside it the web and the API."""
