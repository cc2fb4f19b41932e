"""The site's JSON API: `api/index.json` and one file per entity, each with its JSON Schema in schemas/api/."""
