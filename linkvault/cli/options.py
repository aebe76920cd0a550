"""What the command line says: the options several commands share, each declared once (so --collector or --tsa
cannot drift apart between fetch and pack), and the reading of what they hold (sizes, ages, the vault, a report)."""

from __future__ import annotations

import functools
from datetime import timedelta

import click

import linkvault

VAULT_HELP = ("Vault directory: linkvault.db and warc/ (env LINKVAULT_VAULT; default ./linkvault-vault). "
              "Accepted before or after the command; after it wins.")


def global_options(func):
    """The group's --vault, accepted after the subcommand too (`linkvault fetch r.txt --vault v`), where it wins."""

    def remember(ctx: click.Context, _param, value):
        if value is not None:
            ctx.ensure_object(dict).update(vault=value, vault_named=True)

    return click.option("--vault", default=None, expose_value=False, callback=remember,
                        type=click.Path(file_okay=False), help=VAULT_HELP)(func)


def _options(func, options: list):
    """Apply click decorators in the order they are listed (top first, as if stacked over `func`)."""
    for option in reversed(options):
        func = option(func)
    return func


def format_option(*choices: str):
    """--format, among the outputs a command renders (the first is the default)."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="Output format.")


def fail_on_option(func):
    return click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
                        help="Exit 1 when a finding of this severity (or worse) is found.")(func)


def input_format_option(what: str = "REPORT"):
    return click.option("--input-format", type=click.Choice(linkvault.INPUT_FORMATS), default=None,
                        help=f"Read {what} as this format instead of guessing from its name and content.")


def force_option(what: str):
    """--force: replace `what` when the file exists."""
    return click.option("--force", is_flag=True, help=f"Overwrite {what} if the file exists.")


def collector_option(role: str):
    """--collector: who does what the command does, for the custody log."""
    return click.option("--collector", envvar="LINKVAULT_COLLECTOR", default=None,
                        help=f"{role} (env LINKVAULT_COLLECTOR).")


def timestamp_options(what: str):
    """--tsa and --no-timestamp, handed to the command as one `tsa`: the authorities to stamp `what` with."""

    def decorate(func):
        @functools.wraps(func)
        def command(*args, tsas: tuple[str, ...], no_timestamp: bool, **kwargs):
            return func(*args, tsa=() if no_timestamp else linkvault.timestamp_authorities(tsas), **kwargs)

        return _options(command, [
            click.option("--tsa", "tsas", multiple=True, metavar="URL",
                         help=f"RFC 3161 time-stamp authority for {what} (repeatable; default: env LINKVAULT_TSA, "
                              "else a list of public free ones)."),
            click.option("--no-timestamp", is_flag=True, help=f"Do not timestamp {what}."),
        ])

    return decorate


def concurrency_option(what: str):
    """--concurrency: how many at once (fetch's requests, a worker's captures)."""
    return click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 256),
                        help=f"{what} at once.")


def queue_option(required: bool, why: str):
    """--queue: the Redis of the distributed mode (fetch enqueues there; worker and status read it)."""
    return click.option("--queue", default=None, required=required, metavar="redis://HOST:PORT/N",
                        envvar=None if not required else "LINKVAULT_QUEUE",
                        help=why + ("" if not required else " (env LINKVAULT_QUEUE)."))


def heartbeat_option(func):
    """--heartbeat: how long a silent worker of the distributed mode is taken for alive (and Redis is waited for)."""
    return click.option("--heartbeat", type=click.FloatRange(1), default=None, metavar="SECONDS",
                        envvar="LINKVAULT_QUEUE_HEARTBEAT", help=(
                            "With --queue: a worker silent this long is taken for dead, its messages handed on, "
                            "and a Redis that stops answering is waited for this long before giving up "
                            "(env LINKVAULT_QUEUE_HEARTBEAT; default 60)."))(func)


def rate_option(func):
    """--rate SERVICE=N/min, repeatable: how fast linkvault may ask an outside service (Save Page Now, the CDX)."""
    return click.option("--rate", "rates", multiple=True, metavar="SERVICE=N/min",
                        help="Requests per minute to a service, no faster (repeatable): ia-cdx, ia-availability, "
                             "ia-memento, ia-spn, ia-spn-status, memgator, archive:NAME.")(func)


def wait_cap_option(func):
    """--wait-cap DURATION: the longest Retry-After a run waits out before it gives a service up."""
    return click.option("--wait-cap", default="10m", show_default=True, metavar="DURATION",
                        help="Give a service up for the run when it asks to wait longer than this (90s, 10m, 2h).")(func)


def save_page_now_options(func):
    """--save-page-now with its keys and window, handed to the command as one `save_page_now`: the options read
    and checked (keys missing or malformed are a usage error before anything runs), or None."""

    @functools.wraps(func)
    def command(*args, save_page_now: bool, spn_keys: str | None, spn_within: str, rates: tuple[str, ...],
                wait_cap: str, **kwargs):
        if not save_page_now and (spn_keys or rates or spn_within != "1d" or wait_cap != "10m"):
            raise click.UsageError("--spn-keys, --spn-within, --rate and --wait-cap go with --save-page-now")
        spn = linkvault.save_page_now_options(spn_keys, spn_within, rates, wait_cap=wait_cap) if save_page_now else None
        return func(*args, save_page_now=spn, **kwargs)

    return _options(command, [
        click.option("--save-page-now", is_flag=True,
                     help="Also have the Internet Archive capture each live source, and compare its capture with ours."),
        click.option("--spn-keys", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                     help="The archive.org account's S3 keys: ACCESS:SECRET on one line, or an ia.ini "
                          "(default: env LINKVAULT_SPN_KEYS=ACCESS:SECRET)."),
        click.option("--spn-within", default="1d", show_default=True, metavar="AGE",
                     help="Take the archive's capture newer than this instead of a new one (e.g. 12h, 3d 5h)."),
        rate_option,
        wait_cap_option,
    ])


def session_options(func):
    """--cookies FILE with --as NAME, handed to the command as one `session`: the file read once and checked (a
    malformed line is a usage error naming it, before anything runs; a file others can read is warned about)."""
    from linkvault.cli.output import note

    @functools.wraps(func)
    def command(*args, cookies: str | None, account: str | None, **kwargs):
        if account is not None and cookies is None:
            raise click.UsageError("--as names the account of --cookies FILE: give the file too")
        session = linkvault.load_session(cookies, account) if cookies else None
        for warning in session.warnings if session else ():
            note(warning)
        return func(*args, session=session, **kwargs)

    return _options(command, [
        click.option("--cookies", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                     help="A Netscape cookies.txt of a logged-in (research) account: its cookies go only to the "
                          "sites it names; read once, never copied into the vault."),
        click.option("--as", "account", default=None, metavar="NAME",
                     help="The account's label in the provenance and report (default: authenticated session from FILE)."),
        click.option("--redact-set-cookie", is_flag=True,
                     help="Also keep the cookies sites set (Set-Cookie) out of the WARC and the vault."),
    ])


def egress_options(func):
    """--proxy and --ca-bundle, the same for every command that connects (the egress policy reads them first)."""
    return _options(func, [
        click.option("--proxy", default=None, metavar="URL",
                     help="http://, https:// or socks5:// proxy for every connection (default: HTTPS_PROXY, "
                          "HTTP_PROXY, ALL_PROXY, NO_PROXY)."),
        click.option("--ca-bundle", default=None, type=click.Path(exists=True, dir_okay=False),
                     help="Trust these CA certificates, e.g. a TLS-intercepting proxy's (default: SSL_CERT_FILE, "
                          "SSL_CERT_DIR, else certifi's)."),
    ])


def vantage_options(func):
    """--vantage NAME=PROXY (repeatable) and --vantage-name, handed to the command as one `vantage` (the library's
    VantageOptions, checked before anything runs): `fetch` and `recheck` take the same options and pass them on."""

    @functools.wraps(func)
    def command(*args, vantages: tuple[str, ...], vantage_name: str | None, **kwargs):
        return func(*args, vantage=linkvault.vantage_options(vantages, vantage_name), **kwargs)

    return _options(command, [
        click.option("--vantage", "vantages", multiple=True, metavar="NAME=PROXY",
                     help="Another vantage point (http://, https:// or socks5:// proxy, e.g. abroad=socks5://127.0.0.1:9050): "
                          "a failing link is checked again from it before the failure counts. Repeatable."),
        click.option("--vantage-name", default=None, metavar="NAME",
                     help="The name captures give this run's own egress (default: here)."),
    ])


def allow_private_option(what: str = ""):
    """--allow-private: reach loopback, private and link-local addresses too (the guard refuses them otherwise)."""
    return click.option("--allow-private", is_flag=True,
                        help=f"Also fetch {what + ' on ' if what else ''}loopback, private and link-local addresses.")


def editor_output_options(func):
    """REPORT plus the options `report` and `verify` share."""
    return _options(func, [
        click.argument("report", nargs=-1, required=True),
        format_option("table", "json", "csv", "markdown", "html"),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                     help="Write to this file instead of standard output."),
        fail_on_option,
        input_format_option(),
        click.pass_context,
    ])


# -- what the options hold ---------------------------------------------------------------------------

def vault_of(ctx: click.Context) -> str:
    """The vault directory: the group's --vault, or the one given after the command."""
    return ctx.obj["vault"]


def one_input(args: tuple[str, ...], input_format: str | None) -> str | linkvault.Report:
    inputs = linkvault.parse_arguments(args, input_format)
    if len(inputs) != 1:
        raise click.UsageError("give one report: a file, - for standard input, or URLs")
    return inputs[0]


def parse_size(value: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    text = value.strip().lower().removesuffix("ib").removesuffix("b")
    number, unit = (text[:-1], text[-1]) if text and text[-1] in "kmg" else (text, "")
    try:
        return int(float(number) * units[unit])
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a size such as 50M or 1G") from None


def parse_age(value: str | None) -> timedelta | None:
    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = value.strip().lower()
    try:
        return timedelta(seconds=float(text[:-1]) * units[text[-1]]) if text[-1] in units else timedelta(days=float(text))
    except (ValueError, IndexError):
        raise click.BadParameter(f"'{value}' is not an age such as 12h, 7d or 2w") from None


def verdict_options(func):
    """The rule that calls a link dead (`--dead-after`, `--apart`) as one `rules` keyword, for every command that
    judges a link: until its history confirms a failure, the link is failing."""
    return _rules_options(func, schedule=False)


def history_options(func):
    """The history's rules (`--dead-after`, `--apart`, `--alive-every`, `--failing-every`) as one `rules` keyword:
    the rule that calls a link dead, and when a link is due another check."""
    return _rules_options(func, schedule=True)


def _rules_options(func, *, schedule: bool):
    defaults = linkvault.HistoryRules()

    @functools.wraps(func)
    def command(*args, dead_after: int, apart: str, alive_every: str | None = None, failing_every: str | None = None,
                **kwargs):
        rules = linkvault.HistoryRules(dead_after=dead_after, apart=_age(apart),
                                       alive_every=_age(alive_every) if alive_every else defaults.alive_every,
                                       failing_every=_age(failing_every) if failing_every else defaults.failing_every)
        return func(*args, rules=rules, **kwargs)

    options = [
        click.option("--dead-after", default=3, show_default=True, type=click.IntRange(1, 100), metavar="N",
                     help="Call a link dead after N failed checks, each at least --apart after the last counted; "
                          "until then it is failing (1: dead at its first failure)."),
        click.option("--apart", default="3d", show_default=True, metavar="AGE",
                     help="Failures closer together than this count once."),
    ]
    if schedule:
        options += [
            click.option("--alive-every", default="7d", show_default=True, metavar="AGE",
                         help="An alive (restricted, dead) link is due another check after this long."),
            click.option("--failing-every", default="3d", show_default=True, metavar="AGE",
                         help="A failing link is due another check after this long."),
        ]
    return _options(command, options)


def _age(value: str) -> timedelta:
    age = parse_age(value)
    assert age is not None
    return age


def request_options(func):
    """--timeout and --retries, as fetch and recheck take them."""
    return _options(func, [
        click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1),
                     help="Seconds per request, its whole answer included."),
        click.option("--retries", default=3, show_default=True, type=click.IntRange(0, 10),
                     help="Retries on transient failures."),
    ])


def run_display_options(func):
    """--no-screenshots and -v/--verbose, as fetch and recheck take them."""
    return _options(func, [
        click.option("--no-screenshots", is_flag=True, envvar="LINKVAULT_NO_SCREENSHOTS",
                     help="Take no full-page screenshots (env LINKVAULT_NO_SCREENSHOTS=1)."),
        click.option("-v", "--verbose", is_flag=True, help="One line per URL as it is done."),
    ])

