"""`portal check`: the report of what merging a change would do, built from the base's and the head's
validations (report.py) in parts (objects, keeper, herald, chambers, reviews) and rendered as text, Markdown or
JSON."""
