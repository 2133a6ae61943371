"""Labels of the citizen's notifications on the workstations (the list on a
ticket, the supervisor's stuck ones): (Serbian Cyrillic, English);
``kontakt.http.i18n`` adds them and transliterates the Latin."""

from __future__ import annotations

NOTIFY_LABELS: dict[str, tuple[str, str]] = {
    "notifications": ("Обавештења грађанину", "Notifications to the citizen"),
    "n_none": ("Нема обавештења", "No notifications"),
    "n_what": ("Шта је послато", "What was sent"),
    "n_recipient": ("Прималац", "Recipient"), "n_time": ("Време", "Time"),
    "n_attempts": ("Покушаја", "Attempts"), "n_last_error": ("Последња грешка", "Last error"),
    "n_retry": ("Пошаљи поново", "Send again"), "n_retry_short": ("Поново", "Retry"),
    "n_retried": ("Обавештење ће бити поново послато", "The notification will be sent again"),
    "n_stuck": ("Обавештења која нису стигла (неуспела или заглављена)",
                "Notifications not delivered (failed or stuck)"),
    "n_ticket": ("Тикет", "Ticket"),
    "ns_sent": ("испоручено", "delivered"), "ns_pending": ("чека слање", "pending"),
    "ns_failed": ("неуспело", "failed"),
    "ns_gave_up": ("неуспело после свих покушаја", "failed after every attempt"),
    "ns_stuck": ("заглављено", "stuck"),
    "nt_resolved": ("тикет решен", "ticket resolved"),
    "nt_cancelled": ("тикет отказан", "ticket cancelled"),
    "nt_closed": ("тикет затворен", "ticket closed"),
    "nt_new": ("тикет примљен", "ticket received"),
    "nt_active": ("тикет у раду", "ticket in progress"),
    "nt_forwarded": ("тикет прослеђен", "ticket forwarded"),
    "nt_overdue": ("ескалација: прекорачен рок", "escalation: deadline missed"),
    "e_notify.not_retryable": ("То обавештење је већ испоручено",
                               "That notification was delivered already"),
    "e_notify.not_found": ("Обавештење није пронађено", "Notification not found"),
}
