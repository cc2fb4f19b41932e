"""The live-terminal sidecar: an authenticated, authorised browser shell into a workspace, served with aiohttp.

One module per concern: `identity` (who is asking), `tokens` (signed one-time tokens), `spent` (the tokens
already used), `access` (who may open which workspace, from the repo), `backend` (the PTY and its process
group), `pods` (which pod a workspace runs in), `limits`, `audit`, `metrics`, `site` (the built site with real
headers), `assets` (the terminal view's files, which a site's terminal pages load), and `app` (the routes and sessions).
"""
