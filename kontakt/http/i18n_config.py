"""The configuration validator's problems in the editor's language: one
template per stable code (``dialplan.yaml_nodes.Issue.code``), the values
in braces from the issue's ``params``; (Serbian Cyrillic, English), the
Latin transliterated by ``kontakt.http.i18n``.  The English message of the
issue itself stays for the logs and the CLI.

``cvw_`` labels: the words a problem's place (``what``: "menu main",
"special day 2026-01-01", "the file") starts with, in the same languages;
the YAML keys and ids after them are the file's own and stay as written.
"""

from __future__ import annotations

CONFIG_LABELS: dict[str, tuple[str, str]] = {
    "cv_config.not_mapping": ("{what}: треба да буде мапа (редови кључ: вредност)",
                              "{what} must be a mapping (key: value lines)"),
    "cv_config.duplicate_key": ("{what}: кључ „{key}“ се понавља (први пут у реду {first_line})",
                                "{what}: duplicate key “{key}” (first on line {first_line})"),
    "cv_config.unknown_key": ("{what}: непознат кључ „{key}“ (познати: {known})",
                              "{what}: unknown key “{key}” (known: {known})"),
    "cv_config.missing_key": ("{what}: недостаје „{key}“", "{what}: “{key}” is missing"),
    "cv_config.not_list": ("{what}: треба да буде листа (редови који почињу са „- “)",
                           "{what} must be a list (lines starting with “- ”)"),
    "cv_config.not_value": ("{what}: треба да буде једна вредност",
                            "{what} must be a single value"),
    "cv_config.not_number": ("{what}: „{value}“ није број", "{what}: “{value}” is not a number"),
    "cv_config.too_small": ("{what}: {value} мора бити најмање {minimum}",
                            "{what}: {value} must be at least {minimum}"),
    "cv_config.not_flag": ("{what}: „{value}“ мора бити true или false",
                           "{what}: “{value}” must be true or false"),
    "cv_config.unreadable": ("датотека се не може прочитати: {reason}",
                             "the file cannot be read: {reason}"),
    "cv_config.yaml_syntax": ("није исправан YAML: {problem}", "not valid YAML: {problem}"),
    "cv_config.empty": ("датотека је празна", "the file is empty"),
    "cv_config.unknown_timezone": ("timezone: непозната временска зона „{timezone}“",
                                   "timezone: unknown time zone “{timezone}”"),
    "cv_config.deadline_range": ("{what}: {key} {value} мора бити више од 0 и највише {max} "
                                 "радних сати", "{what}: {key} {value} must be more than 0 and "
                                                "at most {max} working hours"),
    "cv_config.deadline_order": ("{what}: рок за решавање {resolution} је краћи од рока за "
                                 "одговор {response}", "{what}: resolution {resolution} is "
                                                       "shorter than response {response}"),
    "cv_config.deadline_department": ("deadlines: „{department}“ није ознака службе (ни default)",
                                      "deadlines: “{department}” is not a department id "
                                      "(nor default)"),
    "cv_config.deadline_kind": ("deadlines.{department}: „{kind}“ није врста тикета ({known} или "
                                "default)", "deadlines.{department}: “{kind}” is not a kind "
                                            "({known}, or default)"),
    "cv_config.deadline_kind_not_taken": ("deadlines.{department}: служба {department} не прима "
                                          "тикете врсте {kind}",
                                          "deadlines.{department}: department {department} "
                                          "does not take {kind} tickets"),
    "cv_config.deadline_no_working_day": ("deadlines: радно време нема ниједан радни дан, рок "
                                          "никада не тече", "deadlines: the weekly hours have no "
                                                            "working day, a deadline never runs"),
    "cv_config.bad_time": ("{what}: погрешно време „{value}“, упишите ЧЧ:ММ (00:00-23:59)",
                           "{what}: bad time “{value}”, write HH:MM (00:00-23:59)"),
    "cv_config.bad_span": ("{what}: „{value}“ треба да буде распон као 07:30-15:30, или closed",
                           "{what}: “{value}” must be a span like 07:30-15:30, or closed"),
    "cv_config.span_backwards": ("{what}: распон „{value}“ се завршава пре почетка",
                                 "{what}: span “{value}” ends before it starts"),
    "cv_config.spans_overlap": ("{what}: распони {a} и {b} се преклапају",
                                "{what}: spans {a} and {b} overlap"),
    "cv_config.bad_day": ("hours.weekly: „{day}“ није дан ни распон дана ({known}, или нпр. "
                          "mon-fri)", "hours.weekly: “{day}” is not a day or range ({known}, "
                                      "or e.g. mon-fri)"),
    "cv_config.day_twice": ("hours.weekly: {day} је већ задат у реду {first_line}",
                            "hours.weekly: {day} is already set on line {first_line}"),
    "cv_config.bad_holidays": ("hours.public_holidays: „{value}“ мора бити RS (Србија) или none",
                               "hours.public_holidays: “{value}” must be RS (Serbia) or none"),
    "cv_config.bad_date": ("посебан дан: погрешан датум „{value}“, упишите ГГГГ-ММ-ДД",
                           "special day: bad date “{value}”, write YYYY-MM-DD"),
    "cv_config.date_twice": ("посебан дан {date} се понавља (први пут у реду {first_line})",
                             "special day {date} appears twice (first on line {first_line})"),
    "cv_config.bad_menu_id": ("ознака менија „{menu}“: користите a-z, 0-9 и „_“",
                              "menu id “{menu}”: use a-z, 0-9 and “_”"),
    "cv_config.bad_digit_key": ("мени {menu}: „{digit}“ није тастер (0-9, * или #)",
                                "menu {menu}: “{digit}” is not a key (0-9, * or #)"),
    "cv_config.menu_no_options": ("мени {menu}: нема ниједну опцију", "menu {menu}: no options"),
    "cv_config.unknown_start_menu": ("ivr.start: непознат мени „{menu}“",
                                     "ivr.start: unknown menu “{menu}”"),
    "cv_config.unknown_menu_target": ("непознат мени „{target}“ (менији: {menus})",
                                      "unknown menu target “{target}” (menus: {menus})"),
    "cv_config.bad_action": ("{what}: „{value}“ мора бити operator, status, repeat, {menu: ID}, "
                             "{play: PROMPT} или {operator: SKILL}",
                             "{what}: “{value}” must be operator, status, repeat, {menu: ID}, "
                             "{play: PROMPT} or {operator: SKILL}"),
    "cv_config.action_one_of": ("{what}: наведите тачно једно од menu, play, operator",
                                "{what}: give exactly one of menu, play, operator"),
    "cv_config.options_not_mapping": ("мени {menu}: опције треба да повежу тастере са радњама",
                                      "menu {menu}: options must map digits to actions"),
    "cv_config.duplicate_digit": ("мени {menu}: тастер {digit} се понавља (први пут у реду "
                                  "{first_line})", "menu {menu}: duplicate digit {digit} (first "
                                                   "on line {first_line})"),
    "cv_config.menu_unreachable": ("мени „{menu}“ је недостижан: ниједна опција не води до њега "
                                   "од „{start}“", "menu “{menu}” is unreachable: no option "
                                                   "leads to it from “{start}”"),
    "cv_config.bad_language_code": ("код језика „{language}“: користите ISO 639 код као sr, hu, "
                                    "sk", "language code “{language}”: use an ISO 639 code "
                                          "such as sr, hu, sk"),
    "cv_config.language_twice": ("језик „{language}“ се понавља (први пут у реду {first_line})",
                                 "language “{language}” appears twice (first on line "
                                 "{first_line})"),
    "cv_config.bad_language_digit": ("језик {language}: тастер „{digit}“ мора бити један тастер "
                                     "0-9", "language {language}: digit “{digit}” must be one "
                                            "key 0-9"),
    "cv_config.language_digit_twice": ("језик {language}: тастер {digit} се понавља (и у реду "
                                       "{first_line})", "language {language}: duplicate digit "
                                                        "{digit} (also on line {first_line})"),
    "cv_config.no_language": ("languages: укључите бар један језик (први је подразумевани)",
                              "languages: enable at least one language (the first is the "
                              "default)"),
    "cv_config.bad_prompt_id": ("ознака поруке „{prompt}“: користите a-z, 0-9 и „_“",
                                "prompt id “{prompt}”: use a-z, 0-9 and “_”"),
    "cv_config.empty_prompt": ("порука {prompt} ({language}): празан текст",
                               "prompt {prompt} ({language}): empty text"),
    "cv_config.missing_prompt": ("недостаје порука „{prompt}“: додајте је под prompts:",
                                 "missing prompt “{prompt}”: add it under prompts:"),
    "cv_config.missing_prompt_used": ("недостаје порука „{prompt}“ (користи се овде): додајте "
                                      "је под prompts:", "missing prompt “{prompt}” (used "
                                                         "here): add it under prompts:"),
    "cv_config.prompt_missing_language": ("порука „{prompt}“ нема текст на језику „{language}“",
                                          "prompt “{prompt}” has no text in language "
                                          "“{language}”"),
    "cv_config.bad_number": ("број „{number}“ није исправан српски телефонски број",
                             "number “{number}” is not a valid Serbian phone number"),
    "cv_config.number_twice": ("број {number} се понавља (први пут у реду {first_line})",
                               "number {number} appears twice (first on line {first_line})"),
    "cv_config.no_refusal_prompt": ("број {number}: одбија неке позиваоце, а нема "
                                    "refusal_prompt", "number {number}: refuses some callers "
                                                      "but has no refusal_prompt"),
    "cv_config.bad_unknown_caller": ("број {number}: unknown_caller „{value}“ мора бити refuse "
                                     "или accept", "number {number}: unknown_caller “{value}” "
                                                   "must be refuse or accept"),
    "cv_config.bad_caller_rule": ("број {number}: правило за позиваоце „{value}“ мора бити "
                                  "позивни број као \"021\" (под наводницима) или једно од "
                                  "{known}", "number {number}: caller rule “{value}” must be an "
                                             "area code such as \"021\" (quoted) or one of "
                                             "{known}"),
    "cv_config.department_not_mapping": ("служба треба да буде мапа",
                                         "department must be a mapping"),
    "cv_config.department_no_number": ("служба „{department}“ нема број за пребацивање",
                                       "department “{department}” has no transfer number"),
    "cv_config.department_invalid": ("служба „{department}“: {detail}",
                                     "department “{department}”: {detail}"),
    "cv_config.department_twice": ("ознака службе „{department}“ се понавља (први пут у реду "
                                   "{first_line})", "department id “{department}” appears twice "
                                                    "(first on line {first_line})"),
}

# The words a place (``what``) starts with, each part after ", " or ": ",
# keyed "cvw_" + the English words (admin_config.js looks them up so).
CONFIG_LABELS.update({"cvw_" + en: (cyr, en) for en, cyr in (
    ("special day", "посебан дан"), ("language code", "код језика"),
    ("language name", "назив језика"), ("the file", "датотека"), ("language", "језик"),
    ("prompt", "порука"), ("number", "број"), ("menu", "мени"), ("digit", "тастер"),
    ("reason", "разлог"), ("name", "назив"), ("(working hours)", "(радних сати)"))})
