"""ofin's knowledge base: data, installed beside the bot package (see bot/kb/loader.py)."""
