"""Labels in Serbian Cyrillic (the city's own words), Serbian Latin
(transliterated mechanically from the Cyrillic) and English."""

from __future__ import annotations

from kontakt.http.i18n_config import CONFIG_LABELS
from kontakt.http.i18n_desk import LABELS as DESK_LABELS
from kontakt.http.i18n_followup import FOLLOWUP_LABELS
from kontakt.http.i18n_notify import NOTIFY_LABELS

_CYR = dict(zip("абвгдђежзијклмнопрстћуфхцчш",
                ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "m", "n",
                 "o", "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "š"], strict=True))
_CYR.update({"љ": "lj", "њ": "nj", "џ": "dž"})


def to_latin(text: str) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        if low in _CYR:
            lat = _CYR[low]
            out.append(lat if ch == low else lat[0].upper() + lat[1:])
        else:
            out.append(ch)
    return "".join(out)


# key: (Serbian Cyrillic, English)
LABELS: dict[str, tuple[str, str]] = {
    "app": ("Контакт центар Нови Сад", "Novi Sad Contact Center"),
    "ticketing": ("Тикетинг апликација", "Ticketing application"),
    "login": ("Пријава", "Log in"), "logout": ("Одјава", "Log out"),
    "username": ("Корисничко име", "Username"), "password": ("Лозинка", "Password"),
    "bad_login": ("Погрешно име или лозинка", "Wrong username or password"),
    "language": ("Језик", "Language"),
    "page_agent": ("Радно место оператера", "Agent desktop"),
    "page_department": ("Дистрибуирана радна станица", "Department workstation"),
    "page_wallboard": ("Табла супервизора", "Supervisor wallboard"),
    "page_admin": ("Администрација", "Administration"),
    "page_citizen": ("Пријава захтева грађана", "Citizen requests"),
    "role_agent": ("оператер", "agent"), "role_department": ("јавни сервис", "department staff"),
    "role_supervisor": ("супервизор", "supervisor"),
    "role_admin": ("систем инжењер", "administrator"),
    "st_available": ("Слободан", "Available"), "st_ringing": ("Звони", "Ringing"),
    "st_talking": ("У разговору", "Talking"), "st_wrapup": ("Завршна обрада", "Wrap-up"),
    "st_paused": ("Пауза", "Paused"), "st_logged_out": ("Одјављен", "Logged out"),
    "acd_login": ("Пријава на ред", "Join queue"), "acd_ready": ("Спреман", "Ready"),
    "acd_pause": ("Пауза", "Pause"), "acd_logout": ("Одјава са реда", "Leave queue"),
    "reason": ("Разлог", "Reason"),
    "r_break": ("Одмор", "Break"), "r_meeting": ("Састанак", "Meeting"),
    "r_back-office": ("Административни посао", "Back office"),
    "r_training": ("Обука", "Training"), "r_no-answer": ("Без одговора", "No answer"),
    "r_other": ("Остало", "Other"),
    "call": ("Позив", "Call"), "no_call": ("Нема позива", "No call"),
    "caller": ("Позивалац", "Caller"), "call_language": ("Језик позиваоца", "Caller's language"),
    "wait": ("Чекао", "Waited"),
    "earlier": ("Ранији тикети грађанина", "Citizen's earlier tickets"),
    "none": ("нема", "none"),
    "kind": ("Врста", "Kind"), "k_complaint": ("жалба", "complaint"),
    "k_request": ("захтев", "request"), "k_suggestion": ("предлог", "suggestion"),
    "k_information": ("информација", "information"),
    "department": ("Јавни сервис", "Department"), "subject": ("Наслов", "Subject"),
    "description": ("Опис", "Description"), "open_ticket": ("Отвори тикет", "Open ticket"),
    "transfer": ("Пребаци позив и проследи тикет", "Transfer call and forward ticket"),
    "number": ("Број", "Number"), "status": ("Статус", "Status"),
    "s_new": ("нов", "new"), "s_forwarded": ("прослеђен", "forwarded"),
    "s_active": ("активан", "active"), "s_resolved": ("решен", "resolved"),
    "s_cancelled": ("отказан", "cancelled"), "s_closed": ("затворен", "closed"),
    "my_tickets": ("Моји тикети", "My tickets"),
    "callbacks": ("Захтеви за повратни позив (најстарији први)",
                  "Callback requests (oldest first)"), "inbox": ("Пристигли тикети", "Inbox"),
    "assignee": ("Задужен", "Assignee"), "assign": ("Додели", "Assign"),
    "change_status": ("Промени статус", "Change status"), "comment": ("Коментар", "Comment"),
    "history": ("Историја", "History"), "save": ("Сачувај", "Save"),
    "agents": ("Оператери", "Agents"), "state": ("Стање", "State"),
    "in_state": ("Време у стању", "Time in state"), "calls_today": ("Позива данас", "Calls today"),
    "waiting": ("Позиви на чекању", "Calls waiting"),
    "longest": ("Најдуже чекање", "Longest wait"), "answered": ("Одговорени", "Answered"),
    "abandoned": ("Одустали", "Abandoned"), "offered": ("Понуђени", "Offered"),
    "service_level": ("Ниво услуге (20 s)", "Service level (20 s)"),
    "asa": ("Просечно време до одговора", "Average speed of answer"),
    "abandon_rate": ("Стопа одустајања", "Abandon rate"),
    "tickets_by": ("Тикети по статусу и сервису", "Tickets by status and department"),
    "today": ("Данас", "Today"), "per_day": ("По данима", "Per day"),
    "per_hour": ("По сатима", "Per hour"), "period": ("Период", "Period"),
    "config": ("Конфигурација", "Configuration"), "validate": ("Провери", "Validate"),
    "apply": ("Примени", "Apply"), "valid": ("Конфигурација је исправна", "Configuration is valid"),
    "applied": ("Примењено, позиви нису прекинути", "Applied; no call was dropped"),
    "users": ("Корисници", "Users"), "role": ("Улога", "Role"),
    "submit_request": ("Пошаљи захтев", "Submit request"),
    "lookup": ("Провери статус захтева", "Look up a request"),
    "request_number": ("Број захтева", "Request number"),
    "address": ("Адреса", "Address"), "email": ("Е-пошта", "E-mail"),
    "phone": ("Телефон", "Phone"), "first_name": ("Име", "First name"),
    "last_name": ("Презиме", "Last name"),
    "received": ("Захтев је примљен, број", "Request received, number"),
    "not_found": ("Није пронађено", "Not found"), "open": ("отворен", "open"),
    "closed": ("затворен", "closed"), "forbidden": ("Немате приступ", "No access"),
    "live": ("уживо", "live"), "offline": ("веза прекинута", "disconnected"),
    "error": ("Грешка", "Error"),
    "throttles": ("Успорене пријаве", "Slowed-down logins"),
    "throttle_key": ("Налог или адреса", "Account or address"),
    "failures": ("Неуспешних", "Failures"), "throttle_wait": ("Чекање (s)", "Wait (s)"),
    "clear": ("Поништи", "Clear"), "clear_all": ("Поништи све", "Clear all"),
    "audit_export": ("Дневник приступа личним подацима (JSON)",
                     "Personal-data audit log (JSON)"),
    # web chat (kontakt.http.chat_api)
    "chat": ("Ћаскање са оператером", "Chat with an operator"),
    "chats": ("Ћаскања", "Chats"), "chat_start": ("Започни ћаскање", "Start chat"),
    "chat_message": ("Порука", "Message"), "chat_send": ("Пошаљи", "Send"),
    "chat_end": ("Заврши ћаскање", "End chat"),
    "chat_position": ("Место у реду", "Place in queue"),
    "chat_expected": ("Очекивано чекање", "Expected wait"),
    "chat_queued": ("Чекате на слободног оператера", "Waiting for a free operator"),
    "chat_active": ("Оператер је у разговору са вама", "An operator is with you"),
    "chat_ended": ("Ћаскање је завршено", "The chat has ended"),
    "chat_fallback": ("Сви оператери су заузети", "All operators are busy"),
    "chat_leave": ("Остави поруку", "Leave a message"),
    "chat_callback": ("Позовите ме", "Call me back"),
    "chat_keep": ("Настави да чекаш", "Keep waiting"),
    "chat_you": ("Ви", "You"), "chat_operator": ("Оператер", "Operator"),
    "chat_system": ("Контакт центар", "Contact center"), "chat_citizen": ("Грађанин", "Citizen"),
    "chat_slow": ("Превише порука, сачекајте тренутак", "Too many messages, wait a moment"),
    "chat_too_long": ("Порука је предуга", "The message is too long"),
    "chat_ticket": ("Тикет из ћаскања", "Ticket from chat"),
    "chat_forward": ("Проследи служби", "Forward to department"),
    "chat_gone": ("Грађанин је напустио ћаскање", "The citizen has left the chat"),
    "chat_none": ("Нема ћаскања", "No chats"),
    "load": ("Оптерећење", "Load"),
    "ch_call": ("позив", "call"), "ch_chat": ("ћаскање", "chat"), "ch_sms": ("СМС", "SMS"),
    "ch_email": ("е-пошта", "e-mail"),
}
LABELS.update(DESK_LABELS)
LABELS.update(FOLLOWUP_LABELS)  # deadlines, returns, merges, staffing
LABELS.update(CONFIG_LABELS)  # the configuration validator's problems
LABELS.update(NOTIFY_LABELS)  # the citizen's SMS and e-mail on the workstations
LANGS = ("sr-Cyrl", "sr-Latn", "en")
LANG_NAMES = {"sr-Cyrl": "Ћирилица", "sr-Latn": "Latinica", "en": "English"}


def labels(lang: str) -> dict[str, str]:
    if lang == "en":
        return {k: en for k, (_, en) in LABELS.items()}
    if lang == "sr-Latn":
        return {k: to_latin(cyr) for k, (cyr, _) in LABELS.items()}
    return {k: cyr for k, (cyr, _) in LABELS.items()}
