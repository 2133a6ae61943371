"""The citizens' text channels besides web chat: SMS in and out through
Kannel, e-mail in through an SMTP listener and out through the SMTP sender.
Each inbound message is logged (``store``), then either answered at once
(a ticket's status), added to a ticket, or handed to the conversation
service (``kontakt.chat``) that queues it for the operators."""
