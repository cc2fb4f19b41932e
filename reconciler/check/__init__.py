"""`portal check`: what merging a change would do, for a pull request."""
