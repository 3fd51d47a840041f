"""Storage: the only package that talks to AWS. Repositories translate storage errors."""
