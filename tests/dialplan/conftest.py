"""A small valid configuration, written out, for tests to break on purpose."""

import pytest

MINIMAL = """\
languages:
  - {code: sr, name: Српски, voice: sr, digit: 1}
numbers:
  - number: 0800 021 021
    callers: ["021"]
    refusal_prompt: free_only_021
  - number: 021 4807 900
    callers: any
hours:
  weekly:
    mon-fri: 07:30-15:30
ivr:
  start: main
  menus:
    main:
      prompt: main_menu
      options:
        1: operator
        2: {menu: info}
    info:
      prompt: info_menu
      options:
        0: {menu: main}
prompts:
  welcome: {sr: Добродошли.}
  language_choice: {sr: Српски 1.}
  free_only_021: {sr: Само 021.}
  closed: {sr: Затворено.}
  callback_offer: {sr: Повратни позив 1.}
  callback_recorded: {sr: Евидентирано.}
  invalid: {sr: Погрешно.}
  to_operator: {sr: Оператер.}
  status_ask: {sr: Број.}
  status_unknown: {sr: Нема.}
  status_is: {sr: Статус.}
  status_active: {sr: Активан.}
  status_resolved: {sr: Решен.}
  status_cancelled: {sr: Отказан.}
  goodbye: {sr: Довиђења.}
  queue_next: {sr: Следећи сте.}
  queue_ahead: {sr: Испред вас.}
  queue_wait: {sr: Минута.}
  queue_callback: {sr: Повратни позив на 1.}
  queue_callback_recorded: {sr: Позваћемо вас.}
  main_menu: {sr: Мени.}
  info_menu: {sr: Инфо.}
departments:
  - {id: vodovod, name: Водовод, number: "+381214888001"}
"""


@pytest.fixture
def minimal() -> str:
    return MINIMAL
