"""Demo data: builders.py holds the recipes (shared with the tests), seed.py the demo story told
with them, cli.py the `flask --app edt seed-demo` command."""
