"""Text conversations (web chat, SMS, e-mail): storage, the service that
queues them in the blended ACD (``acd.blend``), and the demo's chatting
citizens.  The model is ``acd.conversation``."""
