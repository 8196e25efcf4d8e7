"""Discord: send messages to channels, as a bot or through a channel webhook."""
