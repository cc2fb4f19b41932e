"""What keeps a document's text from becoming code or leaking a secret on a page."""
