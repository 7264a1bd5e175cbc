"""ab 2.3's command line, parsed the way ab's getopt loop does, plus scorebench's long options.

One job: argv -> `AbOptions`. Rules: short options follow ab's getopt string (clustered flags,
attached or separate values, order-sensitive -n/-t like ab), ab's defaults; anything ab would reject
or that we cannot honour raises `AbUsageError` with a one-line reason naming the option (exit 1,
as ab). Long options (--run-dir, --payloads, --rate) are ours; -R is an alias of --rate.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlsplit

GETOPT = "n:c:t:s:b:T:p:u:v:lrkVhwiIx:y:z:C:H:P:A:g:X:de:SqB:m:Z:f:E:R:"
MAX_REQUESTS = 50000
MAX_CONCURRENCY = 20000
TLS_PROTOCOLS = ("ALL", "TLS1", "TLS1.1", "TLS1.2", "TLS1.3")
LONG_OPTIONS = {"--run-dir": "run_dir", "--payloads": "payloads", "--rate": "rate_rps", "--processes": "processes"}


class AbUsageError(Exception):
    """A bad command line: one line to print, then exit 1 (ab prints usage for some)."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@dataclasses.dataclass
class AbOptions:
    url: str = ""
    requests: int = 1
    concurrency: int = 1
    time_limit_s: float | None = None
    timeout_s: float = 30.0
    window_bytes: int | None = None
    bind_address: str | None = None
    post_file: str | None = None
    put_file: str | None = None
    content_type: str | None = None
    """-T; None: ab's text/plain, or application/json with --payloads (scoring bodies are JSON)."""
    verbosity: int = 0
    variable_length: bool = False
    receive_errors_ok: bool = False
    keepalive: bool = False
    version: bool = False
    help: bool = False
    html: bool = False
    head: bool = False
    no_sni: bool = False
    table_attrs: str = ""
    tr_attrs: str = ""
    td_attrs: str = "bgcolor=white"
    cookies: list[str] = dataclasses.field(default_factory=list)
    headers: list[str] = dataclasses.field(default_factory=list)
    proxy_auth: str | None = None
    basic_auth: str | None = None
    gnuplot_file: str | None = None
    proxy: str | None = None
    no_percentiles: bool = False
    csv_file: str | None = None
    no_confidence: bool = False
    quiet: bool = False
    method: str | None = None
    ciphers: str | None = None
    tls_protocol: str = "ALL"
    client_cert: str | None = None
    run_dir: Path | None = None
    payloads: str | None = None
    rate_rps: float | None = None
    processes: int | None = None
    """Engine processes sharing the run (None: as many as the load needs, up to the cores)."""

    @property
    def http_method(self) -> str:
        if self.method:
            return self.method
        if self.head:
            return "HEAD"
        return "POST" if (self.post_file or self.payloads) else "PUT" if self.put_file else "GET"

    @property
    def body_type(self) -> str:
        return self.content_type or ("application/json" if self.payloads else "text/plain")

    @property
    def sends_body(self) -> bool:
        return bool(self.post_file or self.put_file or self.payloads)


def _int(flag: str, text: str, low: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise AbUsageError(f"-{flag} needs a whole number, got {text!r}") from None
    if value < low:
        raise AbUsageError(f"-{flag} must be at least {low}, got {value}")
    return value


def _float(flag: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AbUsageError(f"{flag} needs a number, got {text!r}") from None
    if value <= 0:
        raise AbUsageError(f"{flag} must be positive, got {text!r}")
    return value


def _set_n(o: AbOptions, v: str) -> None:
    o.requests = _int("n", v, 1)


def _set_t(o: AbOptions, v: str) -> None:
    o.time_limit_s = float(_int("t", v, 1))
    o.requests = MAX_REQUESTS


def _set_f(o: AbOptions, v: str) -> None:
    if v.upper() not in TLS_PROTOCOLS:
        raise AbUsageError(f"-f {v}: protocol not supported by Python's ssl (use {', '.join(TLS_PROTOCOLS)})")
    o.tls_protocol = v.upper()


def _set_body(attr: str) -> object:
    def setter(o: AbOptions, v: str) -> None:
        if o.post_file or o.put_file:
            raise AbUsageError("Cannot mix POST and PUT (-p and -u)", usage=True)
        if not Path(v).is_file():
            raise AbUsageError(f"Could not open {'POST' if attr == 'post_file' else 'PUT'} data file ({v})")
        setattr(o, attr, v)

    return setter


_VALUED = {
    "n": _set_n,
    "c": lambda o, v: setattr(o, "concurrency", _int("c", v, 1)),
    "t": _set_t,
    "s": lambda o, v: setattr(o, "timeout_s", float(_int("s", v, 1))),
    "b": lambda o, v: setattr(o, "window_bytes", _int("b", v, 1)),
    "B": lambda o, v: setattr(o, "bind_address", v),
    "T": lambda o, v: setattr(o, "content_type", v),
    "p": _set_body("post_file"),
    "u": _set_body("put_file"),
    "v": lambda o, v: setattr(o, "verbosity", _int("v", v)),
    "x": lambda o, v: setattr(o, "table_attrs", v),
    "y": lambda o, v: setattr(o, "tr_attrs", v),
    "z": lambda o, v: setattr(o, "td_attrs", v),
    "C": lambda o, v: o.cookies.append(v),
    "H": lambda o, v: o.headers.append(v),
    "P": lambda o, v: setattr(o, "proxy_auth", v),
    "A": lambda o, v: setattr(o, "basic_auth", v),
    "g": lambda o, v: setattr(o, "gnuplot_file", v),
    "X": lambda o, v: setattr(o, "proxy", v),
    "e": lambda o, v: setattr(o, "csv_file", v),
    "m": lambda o, v: setattr(o, "method", v),
    "Z": lambda o, v: setattr(o, "ciphers", v),
    "f": _set_f,
    "E": lambda o, v: setattr(o, "client_cert", v),
    "R": lambda o, v: setattr(o, "rate_rps", _float("--rate", v)),
}
_FLAGS = {
    "l": "variable_length",
    "r": "receive_errors_ok",
    "k": "keepalive",
    "V": "version",
    "h": "help",
    "w": "html",
    "i": "head",
    "I": "no_sni",
    "d": "no_percentiles",
    "S": "no_confidence",
    "q": "quiet",
}


def parse(argv: list[str]) -> AbOptions:
    """Parse ab's argv (without the program name)."""
    opts = AbOptions()
    rest = _parse_options(argv, opts)
    if opts.version or opts.help:
        return opts
    if len(rest) != 1:
        raise AbUsageError(
            "exactly one URL is required" if not rest else f"unexpected argument {rest[1]!r}", usage=True
        )
    opts.url = _check_url(rest[0])
    _check(opts)
    return opts


def _parse_options(argv: list[str], opts: AbOptions) -> list[str]:
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            return argv[index + 1 :]
        if arg.startswith("--"):
            index = _long(argv, index, opts)
            continue
        if not arg.startswith("-") or arg == "-":
            return argv[index:]
        index = _short_cluster(argv, index, opts)
    return []


def _long(argv: list[str], index: int, opts: AbOptions) -> int:
    name, eq, value = argv[index].partition("=")
    if name not in LONG_OPTIONS:
        raise AbUsageError(f"unknown option {name}", usage=True)
    if not eq:
        if index + 1 >= len(argv):
            raise AbUsageError(f"option {name} requires an argument", usage=True)
        index += 1
        value = argv[index]
    attr = LONG_OPTIONS[name]
    if attr == "rate_rps":
        opts.rate_rps = _float(name, value)
    elif attr == "processes":
        opts.processes = _int("-processes", value, 1)
    elif attr == "run_dir":
        opts.run_dir = Path(value)
    else:
        opts.payloads = value
    return index + 1


def _short_cluster(argv: list[str], index: int, opts: AbOptions) -> int:
    arg = argv[index]
    pos = 1
    while pos < len(arg):
        letter = arg[pos]
        if letter in _FLAGS:
            setattr(opts, _FLAGS[letter], True)
            pos += 1
            continue
        if letter not in _VALUED:
            raise AbUsageError(f"invalid option -- '{letter}'", usage=True)
        value = arg[pos + 1 :]
        if not value:
            index += 1
            if index >= len(argv):
                raise AbUsageError(f"option requires an argument -- '{letter}'", usage=True)
            value = argv[index]
        _VALUED[letter](opts, value)  # type: ignore[operator]
        return index + 1
    return index + 1


def _check_url(url: str) -> str:
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AbUsageError(f"invalid URL {url!r}", usage=True)
    if not parts.path:
        raise AbUsageError(f"invalid URL {url!r}: ab needs a path, e.g. {url}/", usage=True)
    return url


def _check(opts: AbOptions) -> None:
    if opts.concurrency > MAX_CONCURRENCY:
        raise AbUsageError(f"-c {opts.concurrency}: concurrency is greater than the maximum {MAX_CONCURRENCY}")
    if opts.concurrency > opts.requests:
        raise AbUsageError("Cannot use concurrency level greater than total number of requests", usage=True)
    if opts.processes is not None and opts.processes > opts.concurrency:
        raise AbUsageError(f"--processes {opts.processes}: more processes than connections (-c {opts.concurrency})")
    if opts.processes is not None and opts.processes > 1 and opts.verbosity >= 2:
        raise AbUsageError(f"--processes {opts.processes}: -v {opts.verbosity} prints every answer; use one process")
    if opts.payloads and (opts.post_file or opts.put_file):
        raise AbUsageError("--payloads replaces -p/-u: give one or the other")
    if opts.head and (opts.post_file or opts.put_file or opts.payloads):
        raise AbUsageError("Cannot mix HEAD with POST/PUT (-i with -p/-u/--payloads)", usage=True)
    for header in opts.headers:
        if ":" not in header:
            raise AbUsageError("-H: a header needs 'Name: value' (value not shown)")
        name = header.partition(":")[0].strip()
        if not all(0x20 <= ord(char) < 0x7F or char == "\t" for char in header):
            raise AbUsageError(f"-H {_shown_name(name)}: the header holds a character that is not printable ASCII")
    for flag, values in (("-C", opts.cookies), ("-A", [opts.basic_auth or ""]), ("-P", [opts.proxy_auth or ""])):
        if any(not all(0x20 <= ord(char) < 0x7F for char in value) for value in values):
            raise AbUsageError(f"{flag}: the value holds a character that is not printable ASCII (value not shown)")
    if opts.client_cert and not Path(opts.client_cert).is_file():
        raise AbUsageError(f"-E {opts.client_cert}: client certificate file not found")
    if opts.proxy and urlsplit(opts.url).scheme == "https":
        raise AbUsageError("-X with an https URL: proxy CONNECT tunnels are not supported")
    if opts.run_dir is not None:
        _check_run_dir(opts.run_dir)


def _shown_name(name: str) -> str:
    printable = name.isascii() and name.isprintable() and 0 < len(name) <= 60
    return repr(name) if printable else "(a header)"


def _check_run_dir(run_dir: Path) -> None:
    """--run-dir must be new or empty: appending to an old run's samples would mix two runs."""
    if run_dir.exists() and not run_dir.is_dir():
        raise AbUsageError(f"--run-dir {run_dir}: exists and is not a directory")
    if run_dir.is_dir() and any(run_dir.iterdir()):
        raise AbUsageError(f"--run-dir {run_dir}: not empty (it holds another run); give a new or empty directory")
