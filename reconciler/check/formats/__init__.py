"""Findings rendered for the tools that show them where a change is reviewed: SARIF (code scanning), JUnit (test
reports), GitHub workflow commands (annotations) and GitLab Code Quality. Each is a pure function of the findings."""
