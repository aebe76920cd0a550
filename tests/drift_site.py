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
from fakeweb.server import Response, html, url_key
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
    return {
        url_key(EDITED): _article("КазТАГ", "Журналиста Серикбаева допросили в качестве подозреваемого",
                                  "2024-04-02T12:31:00+05:00",
                                  [*_EDITED_REST, "Материал обновлён по просьбе одной из сторон."],
                                  dateline="02.04.2024 12:31"),
        url_key(SIDEBAR): _sidebar_article(("В Шымкенте задержали блогера", "Курс тенге снова упал",
                                            "Маслихат Астаны утвердил бюджет")),
        url_key(REPLACED): front_page(),
        url_key(NUMBERS): _dauletov(_DAULETOV_CHANGED),
        **telegram_deleted(_CHANNEL, 3120, "Маңғыстау мониторинг", [
            telegram_message(_CHANNEL, 3121, "Ертең сағат 10:00-де отырыс.", "2024-04-10T08:00:00+00:00")]),
    }


def front_page() -> Response:
    """What orda.kz answers at an article's address once it sends every old address to its front page."""
    return html("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Orda.kz — новости Казахстана"
                "</title></head><body><header><a href=\"/\">Orda.kz</a></header><main><h1>Главное</h1>"
                "<ul><li><a href=\"/news/1\">Курс тенге на утро</a></li><li><a href=\"/news/2\">Погода в Астане</a></li>"
                "</ul></main><footer>© 2024 Orda.kz</footer></body></html>\n")


def telegram_deleted(channel: str, post_id: int, title: str, left: list[str]) -> dict:
    """Telegram once post `post_id` is deleted: the post's address shows the channel card, its embed "Post not
    found", and the channel's public preview only the messages `left`."""
    return {
        ("t.me", f"/{channel}/{post_id}"): html(
            f"<html><head><title>Telegram: Contact @{channel}</title><meta property='og:title' content='{channel}'>"
            f"</head><body><div class='tgme_page'><div class='tgme_page_title'>{channel}</div>"
            "<div class='tgme_page_extra'>4 210 subscribers</div></div></body></html>"),
        ("t.me", f"/{channel}/{post_id}?embed=1"): html(
            "<html><body><div class='tgme_widget_message_error'>Post not found</div></body></html>"),
        ("t.me", f"/s/{channel}/{post_id}"): telegram_channel_page(channel, title, left),
    }


# --- the example report's sources as they drift (tests/test_recheck_example.py) -------------------------------------
# Four footnotes of examples/kz-chronicle-2024-04.txt get pages that hold what their citing sentences say (the fake
# web's stand-ins hold only a phrase), then change: [60] loses its supporting paragraph, [11] only its related-links
# box, [97] answers with the site's front page, and the Telegram post of [16] is deleted.

EXAMPLE_EDITED = "https://orda.kz/s-zhurnalista-danijara-adilbekova-snjali-obvinenie-v-lozhnom-donose-385377/"
EXAMPLE_SIDEBAR = ("https://vlast.kz/novosti/59686-ugolovnuu-otvetstvennost-za-propagandu-lgbt-predlagaut-vvesti-"
                   "deputaty-ot-pravasej-partii.html")
EXAMPLE_REPLACED = ("https://orda.kz/trusost-pytki-i-zagadochnye-smerti-za-chto-zaderzhali-jeks-ministra-"
                    "turgumbaeva-385800/")
EXAMPLE_TELEGRAM = "https://t.me/protenge_kz/2717"

_ADILBEKOV_TITLE = "С журналиста Данияра Адильбекова сняли обвинение в ложном доносе"
_ADILBEKOV_274 = ("Уголовное дело переквалифицировали на распространение заведомо ложной информации по части 2 "
                  "статьи 274 Уголовного кодекса РК, которая предусматривает наказание до трёх лет лишения свободы.")
_ADILBEKOV_REST = [
    "Астана. 19 апреля. Orda.kz – С журналиста Данияра Адильбекова, основателя телеграм-канала «Дикая Орда», сняли "
    "обвинение в заведомо ложном доносе на вице-министра энергетики, сообщил его адвокат Ануар Мауткенов.",
    "Журналист содержится под стражей с начала апреля. Защита намерена обжаловать меру пресечения в городском суде.",
    "Коллеги журналиста считают, что дело связано с его публикациями о расходах министерства.",
]
_LGBT = [
    "Депутаты Мажилиса Асхат Аймагамбетов и Жанарбек Ашимжанов предложили дополнить закон «О масс-медиа» "
    "поправкой, которая запретит средствам массовой информации писать о ЛГБТ-людях.",
    "По словам депутатов, такие публикации могут быть расценены как пропаганда, а издания рискуют приостановлением "
    "или прекращением деятельности.",
    "Правозащитники назвали инициативу дискриминационной и противоречащей Конституции.",
]
_TURGUMBAYEV = [
    "Генеральная прокуратура подтвердила задержание на два месяца бывшего министра внутренних дел Ерлана "
    "Тургумбаева по части 4 статьи 362 Уголовного кодекса РК о превышении власти.",
    "Подробности расследования не раскрываются: материалы уголовного дела содержат государственные секреты, "
    "сообщили в ведомстве. Адвокаты бывшего министра от комментариев отказались.",
    "Тургумбаев руководил министерством внутренних дел в январе 2022 года, когда в стране проходили массовые "
    "протесты. После январских событий он ушёл в отставку и с тех пор не появлялся на публике.",
    "Правозащитники напоминают, что жертвами пыток в ходе январских событий признаны десятки человек, а несколько "
    "задержанных погибли в изоляторах при обстоятельствах, которые до сих пор не выяснены.",
    "Родственники погибших давно требовали привлечь к ответственности руководство силовых ведомств, а не только "
    "рядовых сотрудников полиции и изоляторов временного содержания.",
    "Специальная прокуратура заявила, что расследование продолжается и новые подозреваемые могут появиться в "
    "ближайшее время. Следующее заседание по мере пресечения назначено на конец мая.",
]
_NIYAZOV = ("В отношении журналиста Асхата Ниязова возбуждено административное дело по статье 73-3 КоАП РК.<br/>"
            "В Министерстве культуры и информации считают, что его репост «создаёт риск нарушения общественной "
            "безопасности».")


def _lgbt_article(related: tuple[str, ...]) -> Response:
    return _article("Власть", "Уголовную ответственность за пропаганду ЛГБТ предлагают ввести депутаты",
                    "2024-04-05T13:40:00+05:00", _LGBT, dateline="5 апреля 2024", related=related)


def _protenge(*messages: str) -> Response:
    return telegram_channel_page("protenge_kz", "ProTenge", list(messages))


def example_first_routes() -> dict:
    """The four drifting footnotes of the example report as they stood when first archived."""
    return {
        url_key(EXAMPLE_EDITED): _article("Orda.kz", _ADILBEKOV_TITLE, "2024-04-19T16:10:00+05:00",
                                          [_ADILBEKOV_REST[0], _ADILBEKOV_274, *_ADILBEKOV_REST[1:]],
                                          dateline="19 апреля 2024"),
        url_key(EXAMPLE_SIDEBAR): _lgbt_article(("Аким Алматы ответил на вопросы журналистов",
                                                 "В Алматы открылся новый мост")),
        url_key(EXAMPLE_REPLACED): _article("Orda.kz", "Трусость, пытки и загадочные смерти: за что задержали "
                                            "экс-министра Тургумбаева", "2024-04-30T12:00:00+05:00", _TURGUMBAYEV,
                                            dateline="30 апреля 2024"),
        ("t.me", "/protenge_kz/2717"): telegram_post_page("protenge_kz", 2717, "ProTenge", _NIYAZOV),
        ("t.me", "/s/protenge_kz/2717"): _protenge(
            telegram_message("protenge_kz", 2716, "Курс тенге на утро 8 апреля.", "2024-04-08T03:00:00+00:00"),
            telegram_message("protenge_kz", 2717, _NIYAZOV, "2024-04-08T09:30:00+00:00")),
    }


def example_edited_routes() -> dict:
    """[60] with its supporting paragraph edited away, [11] with another related-links box."""
    return {
        url_key(EXAMPLE_EDITED): _article("Orda.kz", _ADILBEKOV_TITLE, "2024-04-19T16:10:00+05:00",
                                          [*_ADILBEKOV_REST, "Материал обновлён по просьбе одной из сторон."],
                                          dateline="19 апреля 2024"),
        url_key(EXAMPLE_SIDEBAR): _lgbt_article(("В Шымкенте задержали блогера", "Курс тенге снова упал",
                                                 "Маслихат Астаны утвердил бюджет")),
    }


def example_gone_routes() -> dict:
    """[97] answered by orda.kz's front page, and the Telegram post of [16] deleted."""
    return {url_key(EXAMPLE_REPLACED): front_page(),
            **telegram_deleted("protenge_kz", 2717, "ProTenge", [
                telegram_message("protenge_kz", 2718, "Курс тенге на вечер 8 апреля.", "2024-04-08T13:00:00+00:00")])}
