"""The rule core: stdlib only, knows nothing of flake8, pylint or libcst."""
