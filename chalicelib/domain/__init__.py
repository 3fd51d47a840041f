"""Pure logic: no boto3, chalice or pynamodb imports anywhere below this package."""
