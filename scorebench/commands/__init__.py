"""One module per `scorebench` subcommand: `add_arguments(parser)` and `run(args) -> int`.

Rule: a command module validates its flags and calls the stage's functions; no work lives here.
"""
