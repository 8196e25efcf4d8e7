"""WhatsApp Business Cloud API: send texts and templates; start graphs on incoming messages."""
