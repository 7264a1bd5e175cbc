"""pytest plugin (entry point `scorebench`): the `scoring_endpoint` fixture for pytest-benchmark."""
