"""The python-telegram-bot adapter: translates between Telegram and the services, nothing more."""
