"""kontakt: composition root (settings, logging, CLI, runtime wiring, HTTP, MQTT)."""
