"""Reading a repo: where its files come from, which are documents, and their parse cache."""
