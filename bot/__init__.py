"""leadbot: the domain — rules, message builders, settings, app factory and command line."""
