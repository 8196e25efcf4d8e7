"""Telegram bots: send texts, photos and documents, edit sent messages; run as a bot."""
