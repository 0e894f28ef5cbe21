"""Getting leads in: the API, web forms, CSV import, the Slack modal."""
