"""A fake web that changes between two captures, for drift: each source as first archived, and as it answers later.

`REPORT` cites five sources; `first_routes()` serves them as they stood, `later_routes()` as they answer after:
- [1] an article whose supporting paragraph is edited away (the rest kept, an editor's note added);
- [2] an article whose related-links box changes, the text the claim relies on untouched;
- [3] an article whose address now answers with the site's front page;
- [4] a Telegram post deleted in between (the channel card, "Post not found", a preview without it);
- [5] an article whose supporting paragraph keeps its words but not its numbers (the fine and the article).
The people and events are invented.
"""

from __future__ import annotations

from claims_site import _article
from fakeweb.server import html, url_key
from fakeweb.sites import telegram_channel_page, telegram_message, telegram_post_page

EDITED = "https://kaztag.kz/ru/news/zhurnalista-serikbaeva-doprosili-v-kachestve-podozrevaemogo"
SIDEBAR = "https://vlast.kz/novosti/60410-sud-otkazal-zhurnalistke-murzakhmetovoy-v-iske.html"
REPLACED = "https://orda.kz/v-aktau-aktivista-oshtrafovali-za-post-o-tarifakh-392777/"
TELEGRAM = "https://t.me/mangystau_monitor/3120"
NUMBERS = "https://www.azattyq.org/a/32920114.html"

REPORT = f"""Chronicle of violations of freedom of expression, April 2024

April 2, Astana, journalist Serikbaev N. was questioned as a suspect under Article 274 of the Criminal Code of the RK[1].

April 5, Almaty, a district court turned down the claim of journalist Dinara Murzakhmetova against the police[2].

April 8, Aktau, activist Zhumagaliev B. was fined under Article 488 of the Code of Administrative Offences of the RK for a post about utility tariffs[3].

April 9, Zhanaozen, activist Tilegenov A. was detained by police after calling for a peaceful gathering[4].

April 10, Kyzylorda, activist Dauletov K., Article 489 of the Code of Administrative Offences of the RK, was fined 184600 tenge[5].

[1] {EDITED}
[2] {SIDEBAR}
[3] {REPLACED}
[4] {TELEGRAM}
[5] {NUMBERS}
"""

_SERIKBAEV = ("«Серикбаеву вручили уведомление о признании подозреваемым по статье 274 УК РК (Распространение заведомо "
              "ложной информации). Допрос длился около четырех часов», – рассказал его адвокат.")
_EDITED_REST = [
    "Астана. 2 апреля. КазТАГ – Журналиста в Астане вызвали в Агентство по противодействию коррупции, "
    "сообщили в редакции издания, где он работает.",
    "Сам журналист связывает вызов с публикациями о расходовании бюджетных средств на ремонт дорог. "
    "В агентстве от комментариев отказались, сославшись на тайну следствия.",
    "Коллеги журналиста заявили, что продолжат следить за развитием событий и сообщат о новых подробностях.",
]
_MURZAKHMETOVA = [
    "Алмалинский районный суд Алматы отказал журналистке Динаре Мурзахметовой в иске к департаменту полиции, "
    "который, по её словам, не расследовал взлом её аккаунта в Telegram.",
    "Мурзахметова считает, что взлом связан с её публикациями о застройке в предгорьях. "
    "Полиция в суде заявила, что проверка не выявила признаков преступления.",
    "Журналистка намерена обжаловать решение в апелляционной инстанции.",
]
_ZHUMAGALIEV = [
    "Актауский городской суд признал активиста Бауыржана Жумагалиева виновным по статье 488 КоАП РК "
    "и назначил ему штраф за публикацию в Facebook о росте тарифов на коммунальные услуги.",
    "По версии полиции, пост Жумагалиева содержал призыв к участию в несанкционированном собрании у здания "
    "акимата области. Сам активист заявил, что лишь предлагал жителям обсудить тарифы с депутатами маслихата.",
    "Защитник активиста указал, что в тексте публикации нет ни места, ни времени собрания, а значит, "
    "и призыва к нему быть не может. Суд эти доводы отклонил.",
    "Жумагалиев намерен обжаловать постановление в областном суде. По его словам, за последний год это "
    "уже третье административное дело против него, и все они связаны с публикациями в социальных сетях.",
    "Правозащитники отмечают, что в Мангистауской области в этом году штрафы за посты о тарифах получили "
    "не менее семи человек, большинство из них — по той же статье кодекса.",
    "Областной департамент энергетики и жилищно-коммунального хозяйства ранее объяснял рост тарифов "
    "износом сетей и необходимостью их модернизации, обещая, что средства пойдут на ремонт.",
]
_DAULETOV = ("Кызылординский специализированный административный суд оштрафовал активиста Каната Даулетова на "
             "184 600 тенге по статье 489 КоАП РК за участие в деятельности незарегистрированной партии.")
_DAULETOV_CHANGED = ("Кызылординский специализированный административный суд оштрафовал активиста Каната Даулетова на "
                     "92 300 тенге по статье 434 КоАП РК за мелкое хулиганство.")
_DAULETOV_REST = [
    "Активист не согласен с решением суда и намерен его обжаловать, сообщил он Азаттыку.",
    "В полиции Кызылорды от комментариев отказались.",
]
_ULANOV = ("Жаңаөзенде белсенді Әлібек Тілегеновті полиция бейбіт жиынға шақырғаннан кейін ұстады."
           "<br/>Тілегеновтің туыстары оның қайда екенін білмейді.")
_CHANNEL = "mangystau_monitor"


def _sidebar_article(related: tuple[str, ...]):
    return _article("Власть", "Суд отказал журналистке Мурзахметовой в иске к полиции", "2024-04-05T15:20:00+05:00",
                    _MURZAKHMETOVA, dateline="5 апреля 2024", related=related)


def _dauletov(first: str):
    return _article("Азаттык", "Кызылординского активиста оштрафовали", "2024-04-10T11:00:00+05:00",
                    [first, *_DAULETOV_REST], dateline="10 апреля 2024")


def first_routes() -> dict:
    """Every source as it stood when first archived."""
    routes = {
        url_key(EDITED): _article("КазТАГ", "Журналиста Серикбаева допросили в качестве подозреваемого",
                                  "2024-04-02T12:31:00+05:00", [_EDITED_REST[0], _SERIKBAEV, *_EDITED_REST[1:]],
                                  dateline="02.04.2024 12:31"),
        url_key(SIDEBAR): _sidebar_article(("Аким Алматы ответил на вопросы журналистов",
                                            "В Алматы открылся новый мост")),
        url_key(REPLACED): _article("Orda.kz", "В Актау активиста оштрафовали за пост о тарифах",
                                    "2024-04-08T18:00:00+05:00", _ZHUMAGALIEV, dateline="8 апреля 2024"),
        url_key(NUMBERS): _dauletov(_DAULETOV),
        ("t.me", f"/{_CHANNEL}/3120"): telegram_post_page(_CHANNEL, 3120, "Маңғыстау мониторинг", _ULANOV),
        ("t.me", f"/s/{_CHANNEL}/3120"): telegram_channel_page(_CHANNEL, "Маңғыстау мониторинг", [
            telegram_message(_CHANNEL, 3119, "Бүгін сағат 11:00-де қалалық сотта отырыс.", "2024-04-09T04:10:00+00:00"),
            telegram_message(_CHANNEL, 3120, _ULANOV, "2024-04-09T07:45:00+00:00")]),
    }
    return routes


def later_routes() -> dict:
    """The same addresses as they answer later."""
    front = html("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Orda.kz — новости Казахстана"
                 "</title></head><body><header><a href=\"/\">Orda.kz</a></header><main><h1>Главное</h1>"
                 "<ul><li><a href=\"/news/1\">Курс тенге на утро</a></li><li><a href=\"/news/2\">Погода в Астане</a></li>"
                 "</ul></main><footer>© 2024 Orda.kz</footer></body></html>\n")
    return {
        url_key(EDITED): _article("КазТАГ", "Журналиста Серикбаева допросили в качестве подозреваемого",
                                  "2024-04-02T12:31:00+05:00",
                                  [*_EDITED_REST, "Материал обновлён по просьбе одной из сторон."],
                                  dateline="02.04.2024 12:31"),
        url_key(SIDEBAR): _sidebar_article(("В Шымкенте задержали блогера", "Курс тенге снова упал",
                                            "Маслихат Астаны утвердил бюджет")),
        url_key(REPLACED): front,
        url_key(NUMBERS): _dauletov(_DAULETOV_CHANGED),
        ("t.me", f"/{_CHANNEL}/3120"): html(
            f"<html><head><title>Telegram: Contact @{_CHANNEL}</title><meta property='og:title' content='{_CHANNEL}'>"
            f"</head><body><div class='tgme_page'><div class='tgme_page_title'>{_CHANNEL}</div>"
            "<div class='tgme_page_extra'>4 210 subscribers</div></div></body></html>"),
        ("t.me", f"/{_CHANNEL}/3120?embed=1"): html(
            "<html><body><div class='tgme_widget_message_error'>Post not found</div></body></html>"),
        ("t.me", f"/s/{_CHANNEL}/3120"): telegram_channel_page(_CHANNEL, "Маңғыстау мониторинг", [
            telegram_message(_CHANNEL, 3121, "Ертең сағат 10:00-де отырыс.", "2024-04-10T08:00:00+00:00")]),
    }
