"""A fake web for `linkvault verify`: Russian and Kazakh news pages and posts, and an English chronicle citing them.

The pages copy the outlets' shapes (title, `article:published_time`, 3-5 paragraphs, a dateline,
site chrome); the people and events are invented. `REPORT` is a chronicle in the style of the
example report; `EXPECTED` says what each footnote's source does for its sentence.
"""

from __future__ import annotations

from fakeweb.server import Response, html, redirect, url_key
from fakeweb.sites import facebook_login_wall, telegram_channel_page, telegram_message, telegram_post_page

Routes = dict


def _article(site: str, title: str, published: str | None, paragraphs: list[str], lang: str = "ru",
             dateline: str = "", related: tuple[str, ...] = ()) -> Response:
    """One article as news CMSs serve it: meta in <head>, header/footer chrome around <article>."""
    meta = f'<meta property="og:title" content="{title}">\n<meta property="og:site_name" content="{site}">'
    if published:
        meta += f'\n<meta property="article:published_time" content="{published}">'
    body_text = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    more = "".join(f'<li><a href="/news/{i}">{t}</a></li>' for i, t in enumerate(related, 1))
    page = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n<title>{title} | {site}</title>\n'
            f"{meta}\n</head>\n<body>\n<header><nav><a href=\"/\">{site}</a> <a href=\"/news/\">Новости</a></nav></header>\n"
            f"<main><article>\n<h1>{title}</h1>\n"
            + (f'<time datetime="{published}">{dateline}</time>\n' if published else "")
            + f"{body_text}\n</article>\n"
            + (f'<aside class="related"><h3>Читайте также</h3><ul>{more}</ul></aside>\n' if more else "")
            + f"</main>\n<footer>© 2024 {site}. При цитировании ссылка обязательна.</footer>\n</body>\n</html>\n")
    return html(page)


# --- sources -----------------------------------------------------------------------------------

KAZTAG_ADILBEKOV = "https://kaztag.kz/ru/news/zhurnalista-daniyara-adilbekova-doprosili-v-kachestve-podozrevaemogo"
AZATTYQ_KZ_KASYMOV = "https://www.azattyq.org/a/32891147.html"
ADILSOZ_KZ_ABDIKOV = "https://adilsoz.kz/kz/news/shymkent-blogerine-ukim-shykty"
TG_ULANOV = "https://t.me/almaty_monitor/2214"
ORDA_DZHOMARTOV = "https://orda.kz/arshalinskogo-aktivista-oshtrafovali-za-repost-o-mitinge-391877/"
VLAST_TLEUZHANOVA = "https://vlast.kz/novosti/60112-sud-otkazal-zhurnalistke-v-iske-k-policii.html"
ORDA_WATER = "https://orda.kz/v-pavlodare-s-1-maya-povysyat-tarify-na-vodu-392114/"
ADILSOZ_MARCH = ("https://adilsoz.kz/weekly-monitoring/"
                 "narusheniya-svobody-slova-v-kazahstane-s-14-po-21-marta-2024-g-.html")
ADILSOZ_APR_4_11 = ("https://adilsoz.kz/weekly-monitoring/"
                    "narusheniya-svobody-slova-v-kazahstane-s-4-po-11-aprelya-2024-g-.html")
ADILSOZ_NO_SLUG = "https://adilsoz.kz/news/view/12873"
ADILSOZ_APR_25_MAY_2 = ("https://adilsoz.kz/weekly-monitoring/"
                        "narusheniya-svobody-slova-v-kazahstane-s-25-aprelya-po-2-maya-2024-g-.html")
KAZTAG_KARABALAEV = "https://kaztag.kz/ru/news/uralskogo-aktivista-arestovali-na-10-sutok"
ORDA_NURKENOV = "https://orda.kz/v-petropavlovske-oshtrafovali-eshhe-odnogo-storonnika-partii-alga-391950/"
KURSIV_TEMIRGALIEV = "https://kz.kursiv.media/2024-05-10/uralskij-bloger-rasskazal-o-zaderzhanii/"
YOUTUBE = "https://www.youtube.com/watch?v=Xk3pQ9vLmZ0"
FACEBOOK = "https://www.facebook.com/kibhr.kz/posts/pfbid02wQx7rPqH1sT8mL5nV3cZ"
TG_UGUBAEVA = "https://t.me/adal_sot_kz/1874"
VLAST_YESENOV = "https://vlast.kz/novosti/60245-zhurnalist-esenov-obzhaloval-arest.html"
AZATTYQ_ZHYLANBAEV = "https://rus.azattyq.org/a/32905518.html"
ORDA_ROADS = "https://orda.kz/v-almaty-nachalsya-remont-dorog-na-al-farabi-392305/"
ADILSOZ_KZ_BEKTURSYNOV = "https://adilsoz.kz/kz/news/tarazdyq-blogerdi-policiyaga-shaqyrdy"
KAZTAG_NIYAZOVA = "https://kaztag.kz/ru/news/protiv-zhurnalistki-niyazovoy-vozbudili-administrativnoe-delo"
TG_HEARING = "https://t.me/adal_sot_kz/1880"
VLAST_AKKENZHENOV = "https://vlast.kz/novosti/60301-v-sude-doprosili-vice-ministra-energetiki.html"
AZATTYQ_KURMANOV = "https://rus.azattyq.org/a/32911203.html"
ORDA_SMAKOVA = "https://orda.kz/v-kostanae-sud-ostavil-v-sile-shtraf-aktivistke-alga-392480/"
AZATTYQ_STATE_DEPT = "https://rus.azattyq.org/a/32917650.html"


def _adilsoz_review(title: str, published: str, items: list[str]) -> Response:
    return _article("Адил соз", title, published, [
        "Международный фонд защиты свободы слова «Адил соз» публикует еженедельный обзор нарушений "
        "права на свободу выражения мнения, получения и распространения информации в Казахстане.",
        *items,
        "Всего за неделю фонд зафиксировал 17 случаев нарушений, в том числе 4 случая преследования "
        "за публикации в социальных сетях и 3 отказа в предоставлении информации журналистам.",
    ], dateline=published[:10])


def routes() -> Routes:
    r: Routes = {}

    def add(url: str, response) -> None:
        r[url_key(url)] = response

    add(KAZTAG_ADILBEKOV, _article("КазТАГ", "Журналиста Данияра Адилбекова допросили в качестве подозреваемого",
        "2024-04-02T12:31:00+05:00", [
            "Астана. 2 апреля. КазТАГ – Основателя телеграм-канала «Дикая Орда» Данияра Адилбекова допросили в "
            "Агентстве по противодействию коррупции в качестве подозреваемого, сообщил его адвокат.",
            "«Адилбекову вручили уведомление о признании подозреваемым по статье 274 УК РК "
            "(Распространение заведомо ложной информации). Допрос длился около четырех часов», – рассказал защитник.",
            "Сам журналист связывает преследование с публикациями о расходовании бюджетных средств. "
            "В агентстве от комментариев отказались, сославшись на тайну следствия.",
        ], dateline="02.04.2024 12:31"))

    add(AZATTYQ_KZ_KASYMOV, _article("Азаттық радиосы", "Қызылордалық белсендіге 184 600 теңге айыппұл салынды",
        "2024-04-03T17:05:00+05:00", [
            "Қызылорда қалалық әкімшілік соты белсенді Жандос Қасымовқа Әкімшілік құқық бұзушылық туралы "
            "кодекстің 488-бабының 7-бөлігі бойынша 184 600 теңге айыппұл салды.",
            "Полицияның айтуынша, Қасымов әлеуметтік желіде бейбіт митингіге шақырған жазба жариялаған. "
            "Белсенді өзінің кінәсін мойындамайды және сот шешіміне шағымданатынын айтты.",
            "Қасымовтың адвокаты сот отырысында жазбада заңсыз шараға шақыру болмағанын мәлімдеді.",
            "Азаттық облыстық полиция департаментіне сауал жолдады, бірақ жауап әлі келген жоқ.",
        ], lang="kk", dateline="3 сәуір 2024"))

    add(ADILSOZ_KZ_ABDIKOV, _article("Әділ сөз", "Шымкенттік блогерге үкім шықты", "2024-04-03T19:40:00+05:00", [
            "Шымкент қалалық соты блогер Ұлықбек Әбдіковке Қылмыстық кодекстің 174-бабы бойынша екі жыл бас "
            "бостандығын шектеу жазасын тағайындады.",
            "Тергеу Әбдіковті әлеуметтік желідегі бейнежазбалары арқылы ұлттық араздықты қоздырды деп айыптаған. "
            "Блогер кінәсін мойындамады.",
            "«Әділ сөз» қоры сот процесін бақылап, сарапшылар қорытындысы біржақты болғанын атап өтті.",
        ], lang="kk", dateline="03.04.2024"))

    channel = "almaty_monitor"
    ulanov = ("Алматыда белсенді Ғалым Ұлановты полиция үйінің жанында ұстады. Ол 4 сәуірде Республика "
              "алаңында өтетін бейбіт жиынға шақырған.<br/>Ұлановтың туыстары оның қайда екенін білмейді.")
    r[("t.me", f"/{channel}/2214")] = telegram_post_page(channel, 2214, "Алматы мониторинг", ulanov)
    r[("t.me", f"/s/{channel}/2214")] = telegram_channel_page(channel, "Алматы мониторинг", [
        telegram_message(channel, 2213, "Бүгін сағат 10:00-де Алмалы аудандық сотында отырыс.", "2024-04-04T03:10:00+00:00"),
        telegram_message(channel, 2214, ulanov, "2024-04-04T06:45:00+00:00")])

    add(ORDA_DZHOMARTOV, _article("Orda.kz", "Аршалинского активиста оштрафовали за репост о митинге",
        "2024-04-08T15:20:00+05:00", [
            "Специализированный административный суд Аршалынского района Акмолинской области оштрафовал "
            "активиста Серика Джомартова на 258&nbsp;440 тенге по части 12 статьи 488 КоАП РК.",
            "Поводом стал репост в социальной сети: полиция сочла, что в нем содержался призыв к "
            "несанкционированному митингу во время празднования Наурыза.",
            "Джомартов рассказал Orda.kz, что лишь поделился чужой публикацией и не собирался никуда выходить. "
            "Он намерен обжаловать постановление в областном суде.",
        ], dateline="8 апреля 2024, 15:20", related=("В Астане задержали блогера", "Тарифы на свет вырастут")))

    add(VLAST_TLEUZHANOVA, _article("Власть", "Суд отказал журналистке в иске к полиции", "2024-04-05T18:02:00+05:00", [
            "Медеуский районный суд Алматы отказал в удовлетворении иска журналистки Махаббат Тлеужановой к "
            "департаменту полиции города.",
            "Тлеужанова требовала признать незаконным бездействие полицейских, которые так и не начали "
            "расследование взлома ее аккаунта в Telegram. По ее словам, после взлома от ее имени рассылались "
            "сообщения с угрозами коллегам.",
            "Суд согласился с доводами полиции, что оснований для регистрации заявления в ЕРДР не было. "
            "Журналистка намерена подать апелляцию.",
        ], dateline="5 апреля 2024"))

    add(ORDA_WATER, _article("Orda.kz", "В Павлодаре с 1 мая повысят тарифы на воду", "2024-04-06T10:15:00+05:00", [
            "Департамент Комитета по регулированию естественных монополий по Павлодарской области утвердил "
            "новые тарифы на холодную воду и водоотведение.",
            "С 1 мая кубометр воды для населения будет стоить 112 тенге вместо нынешних 94. "
            "В ведомстве объяснили рост износом сетей, который превышает 70%.",
            "Жители уже пожаловались в акимат, однако там заявили, что тарифы согласованы в установленном порядке.",
        ], dateline="6 апреля 2024"))

    add(ADILSOZ_MARCH, _adilsoz_review("Нарушения свободы слова в Казахстане с 14 по 21 марта 2024 г.",
        "2024-03-22T09:00:00+05:00", [
            "14 марта в Астане полиция задержала участников одиночного пикета у здания Министерства юстиции.",
            "19 марта в Костанае журналисту отказали в аккредитации на сессию маслихата."]))
    add(ADILSOZ_APR_4_11, _adilsoz_review("Нарушения свободы слова в Казахстане с 4 по 11 апреля 2024 г.",
        "2024-04-12T09:00:00+05:00", [
            "5 апреля в Алматы суд отказал журналистке Махаббат Тлеужановой в иске к полиции.",
            "8 апреля в Акмолинской области активиста оштрафовали за репост о митинге."]))
    add(ADILSOZ_NO_SLUG, _adilsoz_review("Мониторинг нарушений свободы слова с 25 апреля по 2 мая 2024 года",
        "2024-05-03T09:00:00+05:00", [
            "29 апреля в Кызылорде блогера вызвали в полицию из-за видео о паводках.",
            "2 мая в Алматы журналистам не дали аккредитацию на пресс-конференцию акимата."]))
    add(ADILSOZ_APR_25_MAY_2, _adilsoz_review("Нарушения свободы слова в Казахстане с 25 апреля по 2 мая 2024 г.",
        "2024-05-03T09:00:00+05:00", [
            "29 апреля в Кызылорде блогера вызвали в полицию из-за видео о паводках.",
            "2 мая в Алматы журналистам не дали аккредитацию на пресс-конференцию акимата."]))

    add(KAZTAG_KARABALAEV, _article("КазТАГ", "Уральского активиста арестовали на 10 суток", "2024-04-09T16:48:00+05:00", [
            "Уральск. 9 апреля. КазТАГ – Специализированный административный суд Уральска арестовал на 10 суток "
            "активиста Асхата Карабалаева.",
            "Его признали виновным в нарушении законодательства об общественных объединениях по части 10 "
            "статьи 489 КоАП РК. Поводом стало участие в собрании инициативной группы по созданию партии.",
            "Карабалаев заявил в суде, что собрание было мирным и проходило в частной квартире.",
        ], dateline="09.04.2024 16:48"))

    add(ORDA_NURKENOV, _article("Orda.kz", "В Петропавловске оштрафовали еще одного сторонника партии «Алга»",
        "2024-04-10T13:30:00+05:00", [
            "Суд Петропавловска оштрафовал активиста Ерлана Нуркенова на 92 300 тенге по статье 488 КоАП РК "
            "за участие в несанкционированном собрании.",
            "По данным полиции, Нуркенов вместе с другими жителями города вышел к зданию акимата с плакатом.",
            "Нуркенов с решением суда не согласен и намерен его обжаловать.",
        ], dateline="10 апреля 2024"))

    add(KURSIV_TEMIRGALIEV, _article("Kursiv", "Уральский блогер рассказал о задержании", "2024-05-10T11:00:00+05:00", [
            "Уральский блогер Нурлан Темиргалиев рассказал Kursiv, как 12 апреля его задержали у дома и "
            "доставили в департамент полиции.",
            "По словам Темиргалиева, в полиции его расспрашивали о публикациях про паводки и через три часа "
            "отпустили, не предъявив никаких обвинений.",
            "В пресс-службе ДП Западно-Казахстанской области сообщили, что с блогером провели «профилактическую беседу».",
            "Блогер намерен обратиться в прокуратуру с жалобой на незаконное задержание.",
        ], dateline="10 мая 2024"))

    add(YOUTUBE, _article("YouTube", "YouTube", None, [
        "Журналист Асет Беков об угрозах и давлении после публикации расследования. Интервью каналу Обожаю."]))
    add(FACEBOOK, facebook_login_wall())
    r[("m.facebook.com", "/kibhr.kz/posts/pfbid02wQx7rPqH1sT8mL5nV3cZ")] = redirect("https://m.facebook.com/login/?next=x")
    r[("m.facebook.com", "/login/")] = facebook_login_wall()

    channel = "adal_sot_kz"
    ugubaeva = ("Саулетай Угубаева вышла на свободу, отбыв 15 суток ареста по ч. 6 ст. 488 КоАП РК.<br/>"
                "Ее задержали после одиночного пикета у здания Министерства юстиции.")
    hearing = ("Рассмотрение жалобы журналиста Есенова в Есильском районном суде Астаны отложено на неделю: "
               "судья удовлетворил ходатайство прокурора.")
    r[("t.me", f"/{channel}/1874")] = telegram_post_page(channel, 1874, "Адал Сот", ugubaeva)
    r[("t.me", f"/s/{channel}/1874")] = telegram_channel_page(channel, "Адал Сот", [
        telegram_message(channel, 1874, ugubaeva, "2024-04-15T07:20:00+00:00")])
    r[("t.me", f"/{channel}/1880")] = telegram_post_page(channel, 1880, "Адал Сот", hearing)
    r[("t.me", f"/s/{channel}/1880")] = telegram_channel_page(channel, "Адал Сот", [
        telegram_message(channel, 1880, hearing, "2024-04-23T05:02:00+00:00")])

    add(VLAST_YESENOV, _article("Власть", "Журналист Есенов обжаловал арест", "2024-04-16T17:40:00+05:00", [
            "Журналист Марат Есенов, арестованный по делу о заведомо ложном доносе, подал жалобу на "
            "санкцию суда. Об этом сообщили в его редакции.",
            "По словам коллег, Есенова содержат в следственном изоляторе Астаны, свидания с родственниками "
            "ему не разрешают.",
            "В департаменте полиции отказались комментировать жалобу до ее рассмотрения судом.",
        ], dateline="16 апреля 2024"))

    add(AZATTYQ_ZHYLANBAEV, _article("Радио Азаттык", "Осужденного активиста Жыланбаева перевели в колонию в Караганде",
        "2024-04-17T12:00:00+05:00", [
            "Активиста Марата Жыланбаева, осужденного по статьям 405 и 258 УК РК на семь лет лишения свободы, "
            "этапировали в учреждение в Карагандинской области, сообщили его родственники.",
            "Родные Жыланбаева узнали о переводе только через несколько дней, когда им вернули передачу.",
            "Правозащитники ранее признали Жыланбаева политическим заключенным.",
            "Департамент уголовно-исполнительной системы перевод подтвердил, но причину не назвал.",
        ], dateline="17 апреля 2024"))

    add(ORDA_ROADS, _article("Orda.kz", "В Алматы начался ремонт дорог на Аль-Фараби", "2024-04-22T09:10:00+05:00", [
            "Управление городской мобильности начало ремонт проспекта Аль-Фараби на участке от Розыбакиева "
            "до Навои. Движение будет частично ограничено до конца мая.",
            "Водителям рекомендуют заранее планировать маршрут и пользоваться объездными дорогами.",
            "Подрядчик обещает завершить работы до начала туристического сезона.",
        ], dateline="22 апреля 2024"))

    add(ADILSOZ_KZ_BEKTURSYNOV, _article("Әділ сөз", "Таразда блогерді полицияға шақырды", "2024-04-20T14:15:00+05:00", [
            "Тараз қаласында «Тараз тынысы» телеграм-арнасының авторы Ғалым Бектұрсыновты қалалық полиция "
            "басқармасына шақырды.",
            "Бектұрсыновтың айтуынша, полиция қызметкерлері оның қала әкімдігі туралы жазбасына қатысты "
            "түсініктеме сұраған.",
            "«Әділ сөз» қорының заңгері блогерге құқықтық көмек көрсетіп жатыр.",
        ], lang="kk", dateline="20.04.2024"))

    add(KAZTAG_NIYAZOVA, _article("КазТАГ", "Против журналистки Ниязовой возбудили административное дело",
        "2024-04-22T11:05:00+05:00", [
            "Алматы. 22 апреля. КазТАГ – Министерство культуры и информации возбудило в отношении журналистки "
            "Айгерим Ниязовой административное дело по статье 73-3 КоАП РК.",
            "Поводом стал репост в Telegram, который, по мнению ведомства, создает угрозу общественной безопасности.",
            "Ниязова назвала претензии министерства надуманными.",
        ], dateline="22.04.2024 11:05"))

    add(VLAST_AKKENZHENOV, _article("Власть", "В суде допросили вице-министра энергетики", "2024-04-24T19:30:00+05:00", [
            "В суде по делу журналиста Данияра Адилбекова в среду допросили вице-министра энергетики "
            "Ерлана Аккенженова, который проходит по делу потерпевшим.",
            "Аккенженов заявил, что публикации в канале «Дикая Орда» нанесли ущерб его репутации.",
            "Адвокат Адилбекова указал, что вице-министр так и не назвал, какие именно сведения считает ложными.",
        ], dateline="24 апреля 2024"))

    add(AZATTYQ_KURMANOV, _article("Радио Азаттык", "Политзаключенный Курманов пожаловался на условия в колонии",
        "2024-04-25T15:00:00+05:00", [
            "Политзаключенный Серик Курманов, отбывающий наказание в учреждении №12 Павлодарской области, "
            "пожаловался адвокату на отсутствие медицинской помощи.",
            "По словам защитника, у Курманова обострилось хроническое заболевание, но в медицинскую часть его не отводят.",
            "Администрация учреждения на запрос Азаттыка не ответила.",
        ], dateline="25 апреля 2024"))

    add(ORDA_SMAKOVA, _article("Orda.kz", "В Костанае суд оставил в силе штраф активистке «Алги»",
        "2024-04-26T16:00:00+05:00", [
            "Костанайский областной суд оставил без изменения штраф в 184 600 тенге, назначенный активистке "
            "Алине Смаковой за участие в деятельности незарегистрированной организации.",
            "Смакова входит в инициативную группу по созданию оппозиционной партии «Алга, Казахстан!».",
            "Апелляционную жалобу Смаковой суд отклонил.",
        ], dateline="26 апреля 2024"))

    add(AZATTYQ_STATE_DEPT, _article("Радио Азаттык", "Госдеп США: в Казахстане сохраняются серьезные проблемы с правами человека",
        "2024-04-23T10:30:00+05:00", [
            "Государственный департамент США опубликовал ежегодный доклад о соблюдении прав человека в мире за 2023 год.",
            "Авторы раздела о Казахстане отмечают, что существенных изменений в ситуации с правами человека не произошло.",
            "В числе проблем названы сообщения о пытках, произвольных задержаниях и ограничениях свободы слова.",
        ], dateline="23 апреля 2024"))
    return r


REPORT = """Chronicle of human rights violations in Kazakhstan, April 2024

April 2, Astana, journalist Adilbekov D., the founder of the Telegram channel "Dikaya Orda", was questioned as a suspect under Article 274 of the Criminal Code of the RK[1].

April 3, Kyzylorda, activist Kassymov Zh., Article 488, Part 7 of the Code of Administrative Offences of the RK, was fined 184600 tenge for a post calling for a peaceful rally[2].

April 3, Shymkent, the city court sentenced blogger U. Abdikov to two years of restricted freedom under Article 174 of the Criminal Code of the RK[3].

April 4, Almaty, activist Ulanov G. was detained by police near his home after calling for a peaceful gathering[4].

April 8, Akmola region, Arshaly village, Dzhomartov S., Article 488, Part 12 of the Code of Administrative Offences of the RK. The court sentenced the activist to a fine of 258440 tenge[5].

April 5, Almaty, a district court turned down the claim of journalist Makhabbat Tleuzhanova, who had sued the police for failing to investigate how her Telegram account was hacked[6].

April 6, Kostanay, activist Sarsenbaev B. was fined 664560 tenge under Article 73-3 of the Code of Administrative Offences of the RK for a post on Facebook[7].

April 11, Almaty, overview from the Adil Soz Foundation on the situation with freedom of expression from April 4 to April 11, 2024[8].

April 18, Almaty, overview from the Adil Soz Foundation on the situation with freedom of expression from April 11 to April 18, 2024[9].

April 25, Almaty, overview from the Adil Soz Foundation on the situation with freedom of expression from April 18 to April 25, 2024[10].

May 2, Almaty, overview from the Adil Soz Foundation on the situation with freedom of expression from April 25 to May 2, 2024[11].

April 9, Uralsk, activist Karabalaev A., Article 434, Part 1 of the Code of Administrative Offences of the RK, 10 days of administrative arrest[12].

April 10, Petropavlovsk, activist Izmailov R., Article 489, Part 10 of the Code of Administrative Offences of the RK, was fined 184600 tenge for participating in an unregistered party[13].

April 12, Uralsk, blogger Temirgaliev N. was detained at his home and taken to the police; he was released three hours later without charges[14].

April 13, Almaty, journalist Bekov A. gave an interview about the threats he received after publishing an investigation[15].

April 14, Astana, the Kazakhstan International Bureau for Human Rights called for the release of detained journalists[16].

April 15, Astana, Ugubaeva Sauletai, Article 488, Part 6 of the Code of Administrative Offences of the RK, 15 days of detention, was released[17].

April 16, Astana, lawyer Zhumabaeva G. said that her client, journalist Yesenov M., had appealed against his arrest[18].

April 17, Astana, activist Zhylanbaev M., Articles 405, 258 of the Criminal Code of the RK, 7 years of imprisonment, was transferred to a colony in the Karaganda region[19].

April 19, the Adil Soz Foundation called on the authorities to stop pressure on independent media[20].

April 20, Taraz, the police summoned Bektursynov G., the author of a Telegram channel, over a post about the akimat[21].

April 22, Almaty, an administrative case under Article 73-3 of the Code of Administrative Offences of the RK was instituted against journalist Niyazova A. over a repost in Telegram[22].

April 23, Shymkent, activist Orazbekov T. was detained for 10 days under Article 488 of the Code of Administrative Offences of the RK[23].

April 24, Astana, the court questioned Deputy Minister of Energy E. Akkenzhenov as a victim in the case of journalist Adilbekov D.[24]

April 25, Pavlodar region, Colony No. 12, political prisoner Kurmanov S. complained that he is denied medical care[25].

April 26, Kostanay, the regional court upheld the fine imposed on Alina Smakova, an activist of the group for the establishment of the opposition party "Alga, Kazakhstan!"[26].

April 23, Washington, the U.S. State Department said in its annual report that the human rights situation in Kazakhstan has not changed significantly[27].

[1] {KAZTAG_ADILBEKOV}
[2] {AZATTYQ_KZ_KASYMOV}
[3] {ADILSOZ_KZ_ABDIKOV}
[4] {TG_ULANOV}
[5] {ORDA_DZHOMARTOV}
[6] {VLAST_TLEUZHANOVA}
[7] {ORDA_WATER}
[8] {ADILSOZ_MARCH}
[9] {ADILSOZ_APR_4_11}
[10] {ADILSOZ_NO_SLUG}
[11] {ADILSOZ_APR_25_MAY_2}
[12] {KAZTAG_KARABALAEV}
[13] {ORDA_NURKENOV}
[14] {KURSIV_TEMIRGALIEV}
[15] {YOUTUBE}
[16] {FACEBOOK}
[17] {TG_UGUBAEVA}
[18] {VLAST_YESENOV}
[19] {AZATTYQ_ZHYLANBAEV}
[20] {ORDA_ROADS}
[21] {ADILSOZ_KZ_BEKTURSYNOV}
[22] {KAZTAG_NIYAZOVA}
[23] {TG_HEARING}
[24] {VLAST_AKKENZHENOV}
[25] {AZATTYQ_KURMANOV}
[26] {ORDA_SMAKOVA}
[27] {AZATTYQ_STATE_DEPT}
""".format(**{k: v for k, v in globals().items() if k.isupper() and isinstance(v, str) and v.startswith("http")})

# What each footnote's source does for its sentence. A set where two verdicts are defensible.
EXPECTED: dict[int, str | set[str]] = {
    1: "supported",       # Адилбекова / Адилбекову, "статье 274"
    2: "supported",       # Kazakh: Қасымовқа, "488-бабының", "184 600 теңге"
    3: "supported",       # Kazakh: Ұлықбек Әбдіковке, initial before the surname, "174-бабы"
    4: "supported",       # Kazakh Telegram post: Ғалым Ұлановты, "4 сәуірде"
    5: "supported",       # "258&nbsp;440 тенге", "части 12 статьи 488", Джомартова
    6: "supported",       # paraphrase: the English sentence shares no wording with the source
    7: "unsupported",     # another orda.kz article (water tariffs): wrong link
    8: "contradicted",    # the review of 14-21 March for a claim about 4-11 April: wrong link
    9: "contradicted",    # the review of 4-11 April for a claim about 11-18 April (they share one day): wrong link
    10: "contradicted",   # no date in the URL; the page covers the next week (25 April - 2 May): wrong link
    11: "supported",      # the right review
    12: "contradicted",   # right story, the report writes Article 434 where the source says 489 (a typo, not a wrong link)
    13: "contradicted",   # another activist's case in the same city (Article 488, not 489): wrong link
    14: "supported",      # published four weeks later, but it tells the April 12 detention
    15: "not-checked",    # a YouTube video
    16: "not-checked",    # Facebook answers with a login wall
    17: "supported",      # surname first ("Ugubaeva Sauletai"), "ч. 6 ст. 488"
    # The source names Yesenov but not his lawyer: partly; the lawyer is the one who speaks, so
    # "supported" would be wrong, and "unsupported" would be too harsh.
    18: "partly-supported",
    19: "supported",      # "по статьям 405 и 258": both articles in one list
    # A wrong link with a single checkable fact (the date): the source does not support it, but one
    # fact is too little to call it a wrong link, so only a weak-support warning is expected.
    20: "unsupported",
    21: "supported",      # Kazakh: Ғалым Бектұрсыновты
    22: "supported",      # "статье 73-3"
    23: "unsupported",    # another post of the same Telegram channel: wrong link
    24: "supported",      # "Minister of Energy E. Akkenzhenov": "Energy" is not a person
    25: "supported",      # "Colony No. 12": "Colony" is not a person
    26: "supported",      # given name first, "Алине Смаковой"
    # "U.S. State Department": "State" is not a person; the date is the publication date. Nothing
    # else is checkable (Washington is no place the rules know), so supported on the date alone.
    27: "supported",
}
# Footnotes whose link points at the wrong page (what `wrong-link` findings should name).
WRONG_LINKS = {7, 8, 9, 10, 13, 20, 23}
# Right link, wrong sentence: the source contradicts the report (a `wrong-link` finding is still
# the right alarm for an editor, but the link itself should not be replaced).
CLAIM_ERRORS = {12}
