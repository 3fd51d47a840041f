"""Use cases: one function each, coordinating the domain rules and the repositories."""
