from streamt.cli import run

run()
