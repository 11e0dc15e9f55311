"""Command line of CUENTY (`cuenty --help`), built with Typer."""
