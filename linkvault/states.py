"""Link states: from what a fetch showed to a verdict an editor can act on.

All rules live here, each a small function with its own tests; `classify` runs them in order and
the first that speaks wins. The order encodes the editor's priorities:

1. failures of the request itself (timeout, DNS, TLS …) and refusals by our guard;
2. the site adapter (Telegram, YouTube, Facebook/Instagram), which knows its site's tells;
3. walls before deaths: a login wall, bot challenge or paywall is `restricted`, never `dead`,
   whatever status code it came with;
4. HTTP status (404, 410, 5xx);
5. parked domains (whatever the path their lander sits on), then where redirects led (a deep link
   landing on the front page is dead in all but name);
6. 2xx pages that are not what they claim: not-found pages served with 200
   (by their own words in English, Russian or Kazakh, or by looking like the page the same site
   serves for a path that cannot exist: the probe), empty shells;
7. otherwise `ok`.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from linkvault.model import OWN_SIDE_FAILURES, Capture, LinkState, Page
from linkvault.parsing.urls import invalid_reason, refusal, with_scheme

REQUEST_FAILURES = {
    "timeout", "dns-failure", "connection-error", "tls-error", "too-many-redirects", "blocked-address",
    "unsupported-scheme",
}

_CHALLENGE = re.compile(
    r"(just a moment\.\.\.|attention required! \| cloudflare|cf-browser-verification|challenge-platform|"
    r"_cf_chl_opt|cf_chl_|checking your browser before accessing|ddos-guard|captcha-delivery|"
    r"please enable js and disable any ad blocker|verify you are human|unsupported browser|"
    r"cdn-cgi/bm/cv/|__cf\$cv\$params|проверка браузера|подтвердите, что вы не робот)"
)
_LOGIN_PATH = re.compile(r"(?i)(/login|/log-in|/signin|/sign-in|/accounts/login|wp-login\.php|/servicelogin|"
                         r"/auth/|/checkpoint|/uas/login|/oauth)")
_LOGIN_HOSTS = ("accounts.google.com", "login.microsoftonline.com", "id.vk.com", "passport.yandex.ru")
_PASSWORD_FORM = re.compile(r"<input[^>]+type=[\"']?password")
_LOGIN_WORDS = re.compile(r"(log in|sign in|войти|вход в|кіру|anmelden|iniciar sesión|login_form|loginform)")


class Phrases:
    """Phrases a page says, each beside a word it cannot be said without: their alternation is searched for only in a
    text holding one of those words. An alternation tries each phrase at each character (the not-found phrases took
    65 µs on a small Russian page, most of the rules' time); `in` finds a word at C speed. Lower-case: matched
    against lower-cased text, much faster than re.I."""

    def __init__(self, *phrases: tuple[str, str]):
        self.phrases = phrases
        self._words = tuple(dict.fromkeys(word for word, _ in phrases))
        self._pattern = re.compile("|".join(f"(?:{phrase})" for _, phrase in phrases))

    def search(self, text: str) -> bool:
        return any(word in text for word in self._words) and self._pattern.search(text) is not None


PAYWALL = Phrases(
    ("isaccessibleforfree", r"\"isaccessibleforfree\"\s*:\s*\"?false"), ("paywall", "paywall"),
    ("subscribe", "subscriber[- ]only"), ("subscribe", "subscribe to (continue|read)"), ("snippet", "wsj-snippet"),
    ("subscribe", "subtype-unsubscribed"), ("snippet", "snippet-login"), ("article-locked", "article-locked"),
    ("subscribe", "this content is for subscribers"), ("подписчикам", "контент доступен только подписчикам"),
    ("оформите подписку", "оформите подписку"),
)
PARKED = Phrases(
    ("domain", "this domain (name )?(is|may be) for sale"), ("domain", "buy this domain"), ("domain", "domain is parked"),
    ("park", "parked free"), ("park", "sedoparking"), ("park", "parkingcrew"), ("bodis", r"bodis\.com"),
    ("domain", r"dan\.com/buy-domain"), ("afternic", "afternic"), ("domain", "hugedomains"),
    ("домен", "домен продается"), ("домен", "купить домен"), ("домен", "этот домен продаётся"),
    ("домен", "домен припаркован"),
)
NOT_FOUND_TEXT = Phrases(  # what a not-found page says of itself
    ("looking for", r"page (you|you're|you are) looking for (is not|isn.t|cannot|can.t|could not|couldn.t)"),
    ("removed", "(page|article|story|post) (was|has been) removed"),
    ("deleted", "(page|article|story|post) (was|has been) deleted"),
    ("sorry, ", "sorry, (this|that) page"),
    ("запрашиваемая страница не", "запрашиваемая страница не (найдена|существует)"),
    ("страница, которую вы ищете", "страница, которую вы ищете"), ("такой страницы нет", "такой страницы нет"),
    ("сіз іздеген бет", "сіз іздеген бет"), ("бұл бет жоқ", "бұл бет жоқ"),
)

# A title naming the error 404: alone, or set off by a separator at either end ("404 | KazTAG", "KazTAG — 404"),
# or beside an error word. A 404 in a headline's words ("Дело №404 о клевете", "Приказ №404", "404 участника
# задержаны") is a number, not the error.
_NOT_FOUND_TITLE = re.compile(
    r"(?i)(^\W*404\W*$|^\W*404\s*[|—–\-:·•»/]|[|—–\-:·•»/]\s*404\W*$|\b(error|err|ошибка|қате|code|код|http|page|страница)\W{0,3}404\b|\b404\W{0,3}(error|ошибка)|"
    r"not found|page not found|no longer available|doesn.t exist|does not exist|"
    r"страница не найдена|не найдена|ничего не найдено|ошибка 404|страница удалена|материал удален|"
    r"бет табылмады|парақ табылмады|табылмады|uh oh)"
)
_CONSENT = re.compile(r"(consent\.youtube\.com|consent\.google\.com|before you continue to|antes de ir a|"
                      r"прежде чем перейти)")
_JS_SHELL = re.compile(r"(?i)(enable javascript|javascript is (required|disabled)|включите javascript)")
_TITLE = re.compile(r"(?is)<title[^>]*>(.*?)</title>")
SHORT_TEXT = 300


def classify(page: Page, probe: Page | None = None, adapter_state: LinkState | None = None) -> LinkState:
    for rule in (request_failure, lambda p: adapter_state, wall, by_status, parked, by_redirect):
        verdict = rule(page)
        if verdict is not None:
            return verdict
    return by_content(page, probe)


def never_fetched(url: str, allow_private: bool = False) -> LinkState | None:
    """The verdict on a cited URL that is never sent: not a web address, a non-web scheme, or a
    private address in any notation. `fetch` records it and `report` derives it from this one rule,
    so the two never disagree, whether or not a fetch ran."""
    reason = invalid_reason(url)
    if reason and urlsplit(with_scheme(url)).scheme.lower() in ("http", "https", ""):
        return LinkState("unknown", f"not fetched: {reason}")
    refused = refusal(with_scheme(url), allow_private)
    if refused:
        return LinkState(*refused)
    return LinkState("unknown", f"not fetched: {reason}") if reason else None


def _state(state: str, detail: str, page: Page) -> LinkState:
    return LinkState(state, detail, page.status, page.final_url)


def request_failure(page: Page) -> LinkState | None:
    if page.error in REQUEST_FAILURES:
        return _state(page.error, page.error_detail or page.error, page)
    if page.error == "network-unreachable":
        return _state("unknown", "not checked: this machine's network was unreachable", page)
    if page.error in OWN_SIDE_FAILURES:
        return _state("unknown", f"not checked: {page.error_detail or page.error}", page)
    if page.error:
        return _state("unknown", page.error_detail or page.error, page)
    if page.status is None:
        return _state("unknown", "not fetched yet", page)
    return None


def title_of(page: Page) -> str:
    return page.title or raw_title(page)


def raw_title(page: Page) -> str:
    """The `<title>` as the site wrote it: the extractor drops a part it takes for the site's name, and
    "KazTAG - 404" is then read as just "KazTAG"."""
    m = _TITLE.search(page.html, 0, 200_000)
    return " ".join(m.group(1).split()) if m else ""


def wall(page: Page) -> LinkState | None:
    """Login walls, bot challenges and paywalls, whatever status they answer with."""
    head = page.head
    if page.status == 999 or page.header("cf-mitigated") == "challenge" or (
            page.status in (403, 429, 503) and _CHALLENGE.search(head)) or (
            _CHALLENGE.search(title_of(page).lower()) or (len(page.text) < SHORT_TEXT and _CHALLENGE.search(head))):
        return _state("bot-blocked", f"{_host(page)} answered with a bot check instead of the page"
                      + (f" (HTTP {page.status})" if page.status else ""), page)
    if page.final_url and page.final_url != page.url:
        final = urlsplit(page.final_url)
        if _LOGIN_PATH.search(f"{final.path}?{final.query}") or (final.hostname or "").lower() in _LOGIN_HOSTS:
            return _state("login-wall", f"redirected to a login page ({page.final_url})", page)
    if page.status == 401:
        return _state("login-wall", f"{_host(page)} asks to sign in (HTTP 401)", page)
    if len(page.text) < SHORT_TEXT and _PASSWORD_FORM.search(head) and _LOGIN_WORDS.search(head):
        return _state("login-wall", f"{_host(page)} shows only a login form", page)
    if page.status and page.status < 400 and PAYWALL.search(head):
        return _state("paywall", f"{_host(page)} shows the page behind a paywall", page)
    if page.status == 403:
        return _state("bot-blocked", f"{_host(page)} refused to serve the page to us (HTTP 403)", page)
    if page.status == 429:
        return _state("bot-blocked", f"{_host(page)} kept answering 'too many requests' (HTTP 429)", page)
    return None


def _host(page: Page) -> str:
    """The host a verdict names: parsed from the URL only when a rule speaks (a new URL's parse is ~5 µs a page)."""
    return (urlsplit(page.final_url or page.url).hostname or "").lower()


def by_status(page: Page) -> LinkState | None:
    status = page.status or 0
    if status == 404:
        return _state("not-found", "the page does not exist (HTTP 404)", page)
    if status == 410:
        return _state("gone", "the page was removed (HTTP 410)", page)
    if status >= 500:
        return _state("server-error", f"the server failed (HTTP {status}) after retries", page)
    if status >= 400:
        return _state("unknown", f"the server answered HTTP {status}", page)
    if 300 <= status < 400:
        return _state("unknown", f"a redirect (HTTP {status}) with nowhere to go", page)
    return None


def is_front_page(path: str) -> bool:
    """The site root, or a short section front such as /ru/ or /news/."""
    parts = [p for p in path.split("/") if p]
    if parts and len(parts[0]) == 2 and parts[0].isalpha():  # a language prefix: /ru/, /kz/, /en/
        parts = parts[1:]
    return len(parts) <= 1 and all(len(p) <= 12 and "." not in p and not any(c.isdigit() for c in p) for p in parts)


def is_deep(url: str) -> bool:
    parts = urlsplit(url)
    return not is_front_page(parts.path) or bool(parts.query)


def by_redirect(page: Page) -> LinkState | None:
    if not page.final_url or len(page.hops) < 2 or page.final_url == page.url:
        return None
    final = urlsplit(page.final_url)
    if is_deep(page.url) and is_front_page(final.path) and not final.query:
        where = "site front page" if not final.path.strip("/") else "a section front"
        return _state("redirected-to-homepage", f"redirected to {page.final_url} ({where})", page)
    return None


def parked(page: Page) -> LinkState | None:
    """A parking or for-sale page, wherever the redirects (or a redirect stub's script) led: parking
    services send a deep link to their short lander, which by its path alone would pass for a front page."""
    if len(page.text) < 2000 and PARKED.search(page.head):
        return _state("parked-domain", f"the domain shows a parking or for-sale page ({title_of(page) or 'no title'})", page)
    return None


def by_content(page: Page, probe: Page | None) -> LinkState:
    """A 2xx page's own words: the cheap tests first (its length, its title), each pattern searched only when what
    it decides with can still be true (a long text is no consent page nor shell, whatever words its markup has)."""
    title = title_of(page)
    says_not_found = _NOT_FOUND_TITLE.search(title) or _NOT_FOUND_TITLE.search(raw_title(page))
    if page.html and ((says_not_found and len(page.text) < 1500) or says_it_is_not_found(page.text)):
        return _state("soft-404", f"the page answers 200 but says it is not found (\"{_short(title or page.text)}\")", page)
    if probe is not None and looks_like(page, probe):
        return _state("soft-404", "the page is what the site shows for an address that cannot exist", page)
    if len(page.text) < SHORT_TEXT and _CONSENT.search((page.final_url or "").lower() + page.head[:20000]):
        return _state("unknown", "a cookie-consent page stood in front of the content", page)
    if page.html and (len(page.text.strip()) < 40 or (len(page.text) < 200 and _JS_SHELL.search(page.text))):
        why = "a script-only shell" if "<script" in page.head else f"{len(page.text.split())} words of text"
        return _state("unknown", f"the page has no readable content ({why})", page)
    if len(page.hops) >= 2:
        return _state("redirected", f"reached through {len(page.hops) - 1} redirect(s) at {page.final_url}", page)
    return _state("ok", "archived", page)


def says_it_is_not_found(text: str) -> bool:
    """The start of a page's text says it is a not-found page, in one of NOT_FOUND_TEXT's phrases."""
    return NOT_FOUND_TEXT.search(text[:3000].lower())


def looks_like(page: Page, probe: Page) -> bool:
    """True when the page is the site's answer to a nonsense path (probe answered 2xx too)."""
    if probe.status is None or probe.status >= 300 or not probe.html:
        return False
    if probe.final_url and page.final_url and probe.final_url == page.final_url and page.final_url != page.url:
        return True
    a, b = page.text.strip()[:4000], probe.text.strip()[:4000]
    if not a or not b:
        return title_of(page) == title_of(probe) != ""
    return SequenceMatcher(None, a, b).quick_ratio() > 0.9 and SequenceMatcher(None, a, b).ratio() > 0.9


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def worth_a_second_look(capture: Capture) -> bool:
    """A failure the link would be blamed for (a dead-category state, a block or refusal by the site, an HTTP error
    left unknown such as 451): checked again from the run's other vantage points before it counts. Our own side's
    failures and our guard's refusals are the same from everywhere, so they are not."""
    state = capture.state
    if state is None or state.failure or capture.error in OWN_SIDE_FAILURES:
        return False
    return (state.category == "dead" or state.state == "bot-blocked"
            or (state.state == "unknown" and (capture.status or 0) >= 400))


def across_vantages(looks: list[Capture]) -> tuple[Capture, LinkState] | None:
    """`geo-blocked`: the link is alive from one vantage point and blocked, refused or failing from another; the
    alive look stands (the first alive, in the run's order of vantage points). None: the first look stands as it
    is judged (alive wherever it was seen, or failing from every vantage point that could look)."""
    alive = [c for c in looks if c.state is not None and c.state.category == "alive"]
    failing = [c for c in looks if worth_a_second_look(c)]
    if not alive or not failing:
        return None
    standing = alive[0]
    seen = "; ".join(f"from {c.vantage}: {c.state.state}, {c.state.detail}" for c in failing if c.state)
    detail = f"alive from {', '.join(str(c.vantage) for c in alive)}, but not {seen}"
    return standing, LinkState("geo-blocked", detail, standing.status, standing.final_url)
