"""Labels of the work pages (queue, ticket detail, operator desk, supervisor
and administrator actions): (Serbian Cyrillic, English); ``kontakt.http.i18n``
adds them to its table and transliterates the Latin."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # the work queue
    "search": ("Претрага", "Search"),
    "search_hint": ("број тикета, телефон или речи", "ticket number, phone or words"),
    "all_open_first": ("Сви (прво отворени)", "All (open first)"),
    "state_open": ("Отворени", "Open"), "state_done": ("Завршени", "Done"),
    "assigned_to_me": ("Додељени мени", "Assigned to me"),
    "sort": ("Редослед", "Sort"), "sort_queue": ("Прво отворени", "Open first"),
    "sort_newest": ("Најновији", "Newest"), "sort_oldest": ("Најстарији", "Oldest"),
    "sort_updated": ("Последња измена", "Last changed"),
    "prev": ("Претходна", "Previous"), "next": ("Следећа", "Next"),
    "of": ("од", "of"), "created": ("Отворен", "Opened"), "age": ("Старост", "Age"),
    "channel": ("Канал", "Channel"), "ch_phone": ("телефон", "phone"),
    "ch_sms": ("SMS", "SMS"), "ch_web": ("веб", "web"), "ch_chat": ("чет", "chat"),
    "ch_email": ("е-пошта", "e-mail"), "name": ("Име и презиме", "Name"),
    "contact": ("Контакт", "Contact"), "from_call": ("Из позива", "From the call"),
    "no_change": ("без промене статуса", "no status change"),
    "for_citizen": ("Порука грађанину (шаље се грађанину)",
                    "Message to the citizen (sent to the citizen)"),
    "internal_note": ("интерна белешка", "internal note"),
    "to_citizen": ("грађанину", "to the citizen"),
    "saved": ("Сачувано", "Saved"), "select_ticket": ("Изаберите тикет са листе",
                                                     "Pick a ticket from the list"),
    "unassigned": ("није додељен", "unassigned"),
    "no_department": ("без службе", "no department"),
    "k_callback": ("повратни позив", "callback"),
    # history actions
    "a_opened": ("отворен", "opened"), "a_forwarded": ("прослеђен служби", "forwarded to"),
    "a_status": ("статус", "status"), "a_assigned": ("додељен", "assigned to"),
    "a_comment": ("коментар", "comment"), "a_call_linked": ("повезан позив", "call linked"),
    "a_transferred": ("позив пребачен", "call transferred"),
    "a_transfer_failed": ("пребацивање није успело", "transfer failed"),
    # errors by code (the server's English message is the fallback)
    "e_ticket.illegal_transition": ("Тај корак није могућ из овог статуса",
                                    "That step is not possible from this status"),
    "e_ticket.no_change": ("Статус је већ такав; упишите коментар",
                           "The status is that already; write a comment"),
    "e_ticket.forbidden": ("Немате право на тај корак", "You may not take that step"),
    "e_ticket.not_found": ("Тикет није пронађен", "Ticket not found"),
    "e_request.invalid": ("Неисправан унос", "Invalid input"),
    "e_ticket.invalid": ("Неисправан унос", "Invalid input"),
    "e_auth.forbidden": ("Немате приступ", "No access"),
    "e_agent.illegal_transition": ("Тај корак није могућ у овом стању",
                                   "Not possible in this state"),
    "e_engine.unavailable": ("Систем позива није доступан", "The call engine is not running"),
    "e_lookup.rate_limited": ("Превише покушаја; покушајте касније",
                              "Too many attempts; try again later"),
    "e_server.error": ("Грешка на серверу", "Server error"),
}
