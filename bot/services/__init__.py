"""Services: use the engine and storage; know nothing of Telegram."""
