"""Running leadbot: settings, the app factories, the HTTP server, the CLI, the demo."""
