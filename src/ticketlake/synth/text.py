"""Titles and descriptions for synthetic IT support tickets, generated column-wise.

Text is assembled from templates whose ``{slots}`` are filled from vocabulary pools keyed by
category, tone or nothing. Every random choice is a numpy draw over all rows and every string
operation is a pyarrow kernel, so a million rows take seconds; Python only loops over templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from string import Formatter

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

CATEGORIES: tuple[str, ...] = (
    "Network",
    "Hardware",
    "Software",
    "Access",
    "Email",
    "Printing",
    "Database",
    "Security",
)

_TONES: tuple[str, ...] = ("polite", "terse", "frustrated", "urgent", "technical", "casual")
_LATIN1_SHARE = 0.03  # share of titles and of descriptions that name someone like "José"

# --- Vocabulary ------------------------------------------------------------------------------
# Entries are separated by "|". Symptoms follow an object as a third-person verb phrase
# ("VPN keeps dropping"); "where" phrases carry their own preposition. Only the latin_* pools
# may hold non-ASCII characters, so their share of rows is controlled by _LATIN1_SHARE.

_BY_CATEGORY: dict[str, dict[str, str]] = {
    "Network": {
        "object": """VPN | Wi-Fi | switch port | DNS | firewall rule | proxy | guest Wi-Fi |
            internet connection | LAN port | VPN tunnel | wireless access point | DHCP |
            Citrix gateway | network share | site-to-site link""",
        "symptom": """keeps dropping | times out | is unreachable | is very slow |
            disconnects every few minutes | stopped working | fails to connect | drops packets |
            does not resolve | is down | keeps asking to reconnect | has high latency""",
        "where": """on my laptop | on the docking station | at home | in meeting room Everest |
            in the open space | in the warehouse | during Teams calls | on the thin client""",
        "context": """after the Windows update | when working from home | after moving desks |
            when on battery | after the router reboot | during video calls |
            when connected to the dock | after the password change""",
        "attempt": """restarting the laptop | reconnecting to Wi-Fi | ipconfig /flushdns |
            unplugging the cable | switching to the guest network | reinstalling the VPN client""",
        "error": """DNS_PROBE_FINISHED_NXDOMAIN | ERR_CONNECTION_TIMED_OUT | Request timed out. |
            Destination host unreachable | No Internet, secured | The VPN tunnel could not be
            established (error 809)""",
        "title": """Cannot connect to {object} {where} | Slow {object} {since} |
            No network: {object} {symptom}""",
    },
    "Hardware": {
        "object": """laptop | docking station | monitor | keyboard | mouse | laptop battery |
            webcam | headset | desktop PC | second screen | USB-C charger | laptop fan |
            touchpad | hard drive | power adapter""",
        "symptom": """will not turn on | overheats | makes a loud noise | flickers |
            is not detected | keeps freezing | shows a black screen | randomly shuts down |
            is physically damaged | does not charge | blue screens | is extremely slow to boot""",
        "where": """at my desk | in meeting room 4B | at the reception | in the home office |
            at hot desk 12 | in the lab | on the shop floor | in the training room""",
        "context": """after a coffee spill | after the BIOS update | since I dropped it |
            when docked | after the move to the new building | when two monitors are connected |
            every morning | after waking from sleep""",
        "attempt": """a different power socket | another cable | holding the power button for
            30 seconds | updating the drivers | swapping it with a colleague's |
            removing the battery""",
        "error": """No bootable device | CPU fan error | Plugged in, not charging |
            DRIVER_POWER_STATE_FAILURE | Unknown USB device (Device Descriptor Request Failed) |
            Display not supported""",
        "title": """My {object} {symptom} {since} | Replacement {object} needed {where} |
            Broken {object} {where}""",
    },
    "Software": {
        "object": """Excel | Word | Teams | SAP GUI | Adobe Reader | Chrome | Zoom | Power BI |
            Visual Studio | Java runtime | Salesforce | Windows Update | antivirus client |
            OneDrive sync | Jira""",
        "symptom": """crashes on startup | freezes constantly | will not install | shows an error |
            is very slow | keeps asking for a licence | closes without warning | fails to update |
            hangs when saving | will not open attachments | stopped syncing |
            displays garbled text""",
        "where": """on my laptop | on the shared PC | in Citrix | on the new image | on the VDI |
            on my second profile | on the terminal server | in the browser""",
        "context": """after the latest update | when opening large files |
            since the Office upgrade | when printing to PDF | after the Windows 11 migration |
            when two instances are open | at login | when sharing my screen""",
        "attempt": """reinstalling it | clearing the cache | repairing Office | restarting twice |
            running it as administrator | logging off and on""",
        "error": """This application has stopped working | The application was unable to start
            correctly (0xc000007b) | License check failed, please contact your administrator |
            Runtime Error! | An unexpected error has occurred. | Sync pending, 3 files could not
            be uploaded""",
        "title": """{object} {symptom} after update | Need {object} installed {where} |
            {object} licence expired - {users} affected""",
    },
    "Access": {
        "object": """SharePoint | shared mailbox | network drive | HR portal |
            Active Directory account | MFA token | Azure portal | finance folder |
            Confluence space | admin rights | badge reader | password reset portal | Okta |
            GitHub organisation | CRM reports""",
        "symptom": """says permission denied | rejects my password | keeps locking my account |
            is not accessible | asks for MFA in a loop | shows access denied |
            does not accept my badge | will not let me log in | lost my permissions |
            requires an approval that never arrives | redirects to an error page |
            expired overnight""",
        "where": """from my laptop | from home | with my new account | after joining the team |
            on my new phone | from the office | in the browser | via Citrix""",
        "context": """after my password change | since I changed department | after the reorg |
            since my name change | after returning from leave | on my first day |
            after the phone replacement | since the migration to Entra ID""",
        "attempt": """resetting my password | clearing cookies | re-registering MFA |
            asking my manager to re-approve | using incognito mode | logging in from another PC""",
        "error": """Access is denied. | You need permission to access this item |
            Your account has been locked. Contact your support person to unlock it |
            AADSTS50076 | The user name or password is incorrect | 403 Forbidden""",
        "title": """Cannot access {object} - permission denied | Need access to {object} |
            Access to {object} for a new starter""",
    },
    "Email": {
        "object": """Outlook | shared calendar | mailbox | distribution list | email signature |
            out-of-office reply | meeting invite | spam filter | Outlook search | mobile mail app |
            mail rule | archive folder | calendar delegation | attachment upload""",
        "symptom": """is not syncing | keeps crashing | is full | does not send | bounces back |
            goes to junk | is missing | shows old emails only | is stuck in the outbox |
            will not open | sends duplicates | is extremely slow""",
        "where": """in Outlook desktop | on my phone | in Outlook web | on the iPad |
            on my laptop | in the new Outlook | on the shared PC | via webmail""",
        "context": """since the mailbox migration | when sending to external clients |
            after the Office update | for large attachments | for the sales team list |
            when offline | after I came back from holiday | when replying to all""",
        "attempt": """restarting Outlook | rebuilding the OST file | removing and re-adding the
            account | starting Outlook in safe mode | clearing the autocomplete list |
            checking the junk folder""",
        "error": """550 5.1.1 User unknown | Your mailbox is full | Cannot start Microsoft
            Outlook. Cannot open the Outlook window | The operation failed. An object cannot be
            found | 0x800CCC0E | Delivery has failed to these recipients or groups""",
        "title": """Emails not arriving - {object} {symptom} | {object} full, cannot send |
            {object} problem {since}""",
    },
    "Printing": {
        "object": """printer | label printer | scanner | plotter | print queue | toner |
            multifunction printer | badge printer | scan-to-email | printer driver | paper tray |
            colour printing | follow-me printing | cheque printer""",
        "symptom": """jams constantly | prints blank pages | is offline | says out of toner |
            prints garbage characters | will not scan | is stuck in the queue |
            prints only half the page | shows a paper jam but there is none | is extremely slow |
            prints in black and white only | is missing from the list""",
        "where": """on the 3rd floor | next to the kitchen | in the mail room | in finance |
            at reception | in warehouse B | in the copy room | near the lifts""",
        "context": """when printing double-sided | for PDFs only | since the driver update |
            for large jobs | after the toner change | from Mac laptops |
            after the printer was moved | every Monday morning""",
        "attempt": """turning it off and on | reinstalling the driver | removing the paper |
            clearing the queue | printing from another PC | changing the toner""",
        "error": """Paper jam in tray 2 | Printer offline | Error 49.4C02 | Toner low |
            Cannot connect to the scan destination | The print spooler service is not running""",
        "title": """Printer problem: {object} {where} | {object} {where} not working |
            Cannot print - {object} {symptom}""",
    },
    "Database": {
        "object": """reporting database | SQL Server instance | Oracle DB | data warehouse |
            ETL job | nightly backup | stored procedure | replication | connection pool |
            index rebuild | Postgres cluster | sales query | tempdb | transaction log""",
        "symptom": """is very slow | fails with a timeout | is out of space |
            returns wrong results | is locked | did not run last night | hits a deadlock |
            refuses connections | is stuck at 99% | runs out of memory | lags behind |
            crashes the application""",
        "where": """on prod | on the staging server | in the BI environment | on the finance DB |
            in the DR site | on the reporting replica | in the CRM backend | on the HR database""",
        "context": """during month-end | when the nightly batch runs | after the schema change |
            since the patch weekend | for large reports | when more than 50 users connect |
            after the failover | at peak hours""",
        "attempt": """restarting the service | killing the blocking session | rerunning the job |
            updating statistics | increasing the timeout | checking the disk space""",
        "error": """ORA-12541: TNS:no listener | ORA-01652: unable to extend temp segment |
            SQLSTATE 08001 | Deadlock detected | The transaction log for database 'SALES' is full |
            Timeout expired. The timeout period elapsed prior to completion of the operation |
            FATAL: too many connections for role""",
        "title": """{object} {symptom} on prod | Slow {object} {context} |
            DB issue: {object} {symptom}""",
    },
    "Security": {
        "object": """phishing email | antivirus alert | suspicious login | BitLocker prompt |
            USB port | encryption key | VPN certificate | EDR agent | firewall alert |
            password manager | security update | SSL certificate | laptop encryption |
            quarantined file""",
        "symptom": """looks suspicious | was triggered | keeps popping up | blocked my work |
            is asking for a recovery key | has expired | is not updating | flagged my laptop |
            needs to be reviewed | is disabled | reports malware | came from an unknown sender""",
        "where": """on my laptop | in my inbox | on the file server | on the shared drive |
            on my phone | on the finance PC | on the build server | in the VPN client""",
        "context": """after clicking a link | after a USB stick was plugged in |
            since the last patch | after a login from abroad | after the BIOS update |
            while travelling | after installing a browser extension | during the night""",
        "attempt": """running a full scan | changing my password | disconnecting from the network |
            forwarding it to the security team | rebooting | deleting the email""",
        "error": """Threat detected: Trojan:Win32/Wacatac | Enter the recovery key for this drive |
            NET::ERR_CERT_DATE_INVALID | Your connection is not private | Unusual sign-in activity |
            Certificate has expired""",
        "title": """Suspicious activity: {object} {symptom} | Security: {object} {symptom} {where} |
            Possible incident - {object} {where}""",
    },
}

# Title templates every category shares, before its own extras.
_TITLES = """{object} {symptom} {since} | {object} {symptom} {where} |
    {object} {symptom} {context} | Problem with {object} {where} | Issue: {object} {symptom} |
    {object} not working {since} | {object} {symptom} - {users} affected |
    {object} {where} {symptom}"""

_BY_TONE: dict[str, dict[str, str]] = {
    "polite": {
        "opener": """Hello IT team, I hope you are well. | Good morning, |
            Hi, sorry to bother you. | Dear Service Desk, |
            Hello, thank you in advance for your help.""",
        "problem": """Could you please have a look at {object}, it {symptom} {since}. |
            I wanted to let you know that {object} {symptom} {where}. |
            Would you mind checking {object}? It {symptom} {context}. |
            I would be grateful if someone could look into {object}, which {symptom} {where}. |
            It seems that {object} {symptom} {since}, could you please help?""",
        "closer": """Thank you very much! | Many thanks, {name} | Thanks in advance, {name}. |
            Kind regards, {name} | Thank you for your help.""",
        "title_prefix": "Please help - | Help needed: | Hello,",
        "title_punct": ". | ?",
    },
    "terse": {
        "opener": "FYI. | Reporting an issue. | See below.",
        "problem": """{object} {symptom} {since}. | {object} {symptom} {where}. |
            {object} {symptom} {context}. | {object} {symptom}, {since}. |
            {object}: {symptom}.""",
        "closer": "Thanks. | Pls advise. | Regards, {name} | {name}",
        "title_prefix": "RE: | FW: | Fwd:",
        "title_punct": ".",
    },
    "frustrated": {
        "opener": """This is the third time I am reporting this! | Seriously, again? |
            I am really fed up with this. | Nobody has answered my last ticket. |
            Why does this keep happening?!""",
        "problem": """{object} {symptom} AGAIN, {since}! |
            I cannot believe {object} STILL {symptom}, this is unacceptable! |
            For the third time: {object} {symptom} {where}!! |
            {object} {symptom} {context} and I have lost half a day because of it! |
            I have now waited {since} and {object} still {symptom}!!!""",
        "closer": """Please fix this properly this time! | I expect a call back TODAY. |
            I will escalate to my manager if this is not solved. | FIX IT PLEASE!! |
            Not happy, {name}""",
        "title_prefix": "AGAIN: | Still broken: | 3rd ticket -",
        "title_punct": "!! | !!! | ! | ?!",
    },
    "urgent": {
        "opener": """URGENT!! | Please treat as top priority. | Critical issue, need help NOW. |
            High priority, please read. | ASAP please.""",
        "problem": """URGENT: {object} {symptom} and {users} cannot work! |
            {object} {symptom} {since}, this is blocking {business}. |
            Production impact: {object} {symptom} {where}, affecting {users}. |
            Need immediate help, {object} {symptom} and we have {business} today. |
            Critical: {object} {symptom} {context}, {users} are stuck.""",
        "closer": """Please call me on {ext} as soon as possible. | Call me on {ext} ASAP! |
            Please escalate immediately. | Time critical, thanks. | Urgent, {name}""",
        "title_prefix": "URGENT: | URGENT - | [P1] | ASAP: | Critical:",
        "title_punct": "! | !!",
    },
    "technical": {
        "opener": "Details below. | Hi. | Repro steps and logs follow. | Incident report.",
        "problem": """{object} on {host} {symptom} {since}, see {code}. |
            Observed: {object} {symptom} from {host} ({ip}) {context}. |
            {object} {symptom}; reproduced on {host} at {clock}, {code}. |
            Checked from {ip}: {object} {symptom} {where}. |
            Since {clock} {object} {symptom} for clients behind {host}.""",
        "closer": """Logs attached. | Happy to provide a trace, {name} |
            Can provide more logs if needed. | Possibly related to {ticket}. | Ref {ticket}.""",
        "title_prefix": "[{host}] | {code}: | [{ticket}]",
        "title_punct": ".",
    },
    "casual": {
        "opener": "hi | hello sir, | Dear team, | hey guys, | Good day,",
        "problem": """hello my {object} {symptom} {since} pls check |
            {object} is not working {since}, kindly do the needful. |
            pls help, {object} {symptom} again |
            sorry but {object} {symptom} {where}, can u check? |
            i think the "{object}" {symptom} {context}, not sure why""",
        "closer": "thx | thanks a lot!! | thank u | br, {name} | tks in advance",
        "title_prefix": "pls help - | help! | hi,",
        "title_punct": ".. | ?? | !",
    },
}

# Closers used instead of the tone's own for the _LATIN1_SHARE of descriptions.
_LATIN1_CLOSERS = """Thanks, {latin_name}. | Kind regards, {latin_name} |
    Raised on behalf of {latin_name}, {latin_place}. | Contact: {latin_name} ({ext}). |
    The user is {latin_name} at the {latin_place}."""

_LATIN1_TITLES = """for {latin_name} | ({latin_name}) | - {latin_place} | at {latin_place} |
    - reported by {latin_name}"""

# Optional description sentences, each drawn from one shared set of templates.
_DETAILS = """Affected: {users}. | I am on the {floor} in {building}. | It happens {context}. |
    I already tried {attempt}, but it did not help. | My colleagues on the {floor} have the same
    issue. | This affects {users} on the {floor}, {building}. | I tried {attempt} already."""

_TECH = """The error says "{error}". | I get the message "{error}" ({code}). |
    Error: "{error}", code {code}. | Event log on {host} shows {code} at {clock}. |
    Screenshot attached, it says "{error}". | The app shows "{error}" after {clock}."""


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _split(text: str) -> tuple[str, ...]:
    """Entries of a "|"-separated vocabulary string, with whitespace runs collapsed."""
    return tuple(" ".join(item.split()) for item in text.split("|"))


_HOST_ROLES = ("srv-app", "db-prod", "prn-fl3", "fw-edge", "sw-core", "dc")

_GLOBAL: dict[str, tuple[str, ...]] = {
    "since": _split("""since this morning | since yesterday | since Monday | since lunch |
        since last week | since the weekend | for two days now | for about an hour | all day |
        since 8:30""")
    + tuple(f"since {h}am" for h in range(7, 12))
    + tuple(f"since {h}pm" for h in range(1, 5)),
    "floor": ("ground floor", *(f"{_ordinal(k)} floor" for k in range(1, 15))),
    "building": _split("HQ | the Annex | Tower 2 | the north wing")
    + tuple(f"Building {b}" for b in "ABCDEF"),
    "users": _split("""the whole finance team | everyone on my floor | the entire call centre |
        all of sales | me and two colleagues | about 20 people""")
    + tuple(f"{k} users" for k in range(2, 61)),
    "business": _split("""month-end closing | the payroll run | a customer demo at 2pm |
        the board meeting | a release tonight | the audit tomorrow | invoicing |
        today's shipping labels"""),
    "host": tuple(f"{role}-{i:02d}" for role in _HOST_ROLES for i in range(1, 25)),
    "ip": tuple(f"10.{10 + i % 40}.{i * 7 % 256}.{i * 37 % 254 + 1}" for i in range(200)),
    "clock": tuple(f"{h:02d}:{m:02d}" for h in range(6, 20) for m in range(0, 60, 5)),
    "code": _split("""0x80070005 | 0x80004005 | 0x8007000E | 0xc0000005 | HTTP 503 | HTTP 500 |
        HTTP 401 | HTTP 404 | error 1603 | Event ID 4625 | Event ID 41 | exit code 137"""),
    "ext": tuple(f"ext. {k}" for k in range(2100, 2400, 3)),
    "ticket": tuple(f"INC{i * 7919 % 10_000_000:07d}" for i in range(1, 120)),
    "name": _split("""John Smith | Priya Patel | Tom | Sarah K. | Mike Johnson | Anna Lee | David |
        Emma Brown | Chen Wei | Olivia | R. Kumar | Lisa Meyer | Mark | Fatima Khan"""),
    "latin_name": _split("""José García | Jürgen Müller | Françoise Lefèvre | Björn Ångström |
        Zoë Martin | Renée Dubois | Søren Jørgensen | João Gonçalves | Inês Simões | Håkon Næss |
        Göran Öberg | Chloé Noël | Ana Núñez | Ægir Þórsson | Mélanie Côté | Raúl Peña"""),
    "latin_place": _split("""café | cafétéria | Zürich office | São Paulo office |
        Ångström building | Málaga site | Göteborg warehouse | Salle Molière | Kraków hub |
        Reykjavík office | Brasília branch | Düsseldorf office"""),
}

# Tone probabilities per priority (rows P1..P4, columns in _TONES order).
_TONE_P = np.array(
    [
        [0.10, 0.12, 0.15, 0.40, 0.13, 0.10],
        [0.18, 0.20, 0.15, 0.15, 0.17, 0.15],
        [0.25, 0.25, 0.12, 0.05, 0.18, 0.15],
        [0.30, 0.27, 0.08, 0.02, 0.18, 0.15],
    ]
)
# Per tone: chance of an opener, a detail, a technical line and a closer in the description.
_PART_P = np.array(
    [
        [0.8, 0.5, 0.2, 0.8],
        [0.05, 0.4, 0.3, 0.1],
        [0.5, 0.5, 0.2, 0.5],
        [0.5, 0.7, 0.2, 0.6],
        [0.2, 0.4, 1.0, 0.2],
        [0.6, 0.4, 0.1, 0.6],
    ]
)
# Per tone: chance of a title prefix, of trailing punctuation, and of casing (as is, lower, UPPER).
_PREFIX_P = np.array([0.05, 0.1, 0.3, 0.5, 0.15, 0.2])
_PUNCT_P = np.array([0.05, 0.05, 0.7, 0.5, 0.02, 0.4])
_CASE_P = np.array(
    [
        [0.95, 0.05, 0.0],
        [0.75, 0.25, 0.0],
        [0.70, 0.05, 0.25],
        [0.80, 0.0, 0.20],
        [0.90, 0.10, 0.0],
        [0.50, 0.50, 0.0],
    ]
)

# --- Engine ----------------------------------------------------------------------------------

_Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Table:
    """Groups of strings flattened into one Arrow array, so one ``take`` serves every group."""

    values: pa.Array
    start: _Ints
    size: _Ints

    @classmethod
    def of(cls, groups: Sequence[Sequence[str]]) -> _Table:
        size = np.array([len(g) for g in groups], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        return cls(pa.array([v for g in groups for v in g], pa.string()), start, size)

    def pick(self, rng: np.random.Generator, keys: _Ints) -> _Ints:
        """Index of one uniformly chosen entry per row, from the group named by its key."""
        return self.start[keys] + rng.integers(self.size[keys])


@dataclass(frozen=True)
class _Templates:
    """A table of templates with each entry parsed into (literal, slot) pairs."""

    table: _Table
    parsed: tuple[tuple[tuple[str, str | None], ...], ...]

    @classmethod
    def of(cls, groups: Sequence[Sequence[str]]) -> _Templates:
        table = _Table.of(groups)
        parsed = tuple(
            tuple((lit, field) for lit, field, _, _ in Formatter().parse(t))
            for t in table.values.to_pylist()
        )
        return cls(table, parsed)


def _tone_groups(part: str) -> list[tuple[str, ...]]:
    return [_split(_BY_TONE[tone][part]) for tone in _TONES]


# Slot name -> (which row key selects the group, pool). The key "" means one shared group.
_POOLS: dict[str, tuple[str, _Table]] = {
    **{name: ("", _Table.of([words])) for name, words in _GLOBAL.items()},
    **{
        slot: ("category", _Table.of([_split(_BY_CATEGORY[c][slot]) for c in CATEGORIES]))
        for slot in ("object", "symptom", "where", "context", "attempt", "error")
    },
}
_TITLE = _Templates.of([_split(_TITLES) + _split(_BY_CATEGORY[c]["title"]) for c in CATEGORIES])
_TITLE_PREFIX = _Templates.of(_tone_groups("title_prefix"))
_TITLE_PUNCT = _Templates.of(_tone_groups("title_punct"))
_TITLE_LATIN1 = _Templates.of([_split(_LATIN1_TITLES)])
_PROBLEM = _Templates.of(_tone_groups("problem"))
_OPENER = _Templates.of(_tone_groups("opener"))
_DETAIL = _Templates.of([_split(_DETAILS)])
_TECH_LINE = _Templates.of([_split(_TECH)])
_CLOSER = _Templates.of([*_tone_groups("closer"), _split(_LATIN1_CLOSERS)])

# Slots drawn once per row and shared by title and description, so both tell the same story.
_ROW_SLOTS = ("object", "symptom", "where", "since", "users")


@dataclass(frozen=True)
class _Rows:
    """What every row has decided before text is rendered."""

    keys: Mapping[str, _Ints]  # group keys: "category", "tone", and "" (all zero)
    fixed: Mapping[str, _Ints]  # pool index per row for each of _ROW_SLOTS

    @property
    def size(self) -> int:
        return int(self.keys[""].size)


def _draw(rng: np.random.Generator, slot: str, rows: _Ints, ctx: _Rows) -> pa.Array:
    kind, pool = _POOLS[slot]
    fixed = ctx.fixed.get(slot)
    index = pool.pick(rng, ctx.keys[kind][rows]) if fixed is None else fixed[rows]
    return pc.take(pool.values, index)


def _fill(
    rng: np.random.Generator,
    template: tuple[tuple[str, str | None], ...],
    rows: _Ints,
    ctx: _Rows,
) -> pa.Array:
    """One template rendered for ``rows``; slots not in _ROW_SLOTS are drawn afresh per row."""
    # Start with an empty-string column so a template without slots still yields ``rows`` values.
    pieces: list[object] = [pc.take(pa.array([""]), np.zeros(rows.size, np.int64))]
    for literal, slot in template:
        pieces.append(literal)
        if slot is not None:
            pieces.append(_draw(rng, slot, rows, ctx))
    return pc.binary_join_element_wise(*pieces, "")


def _render(
    rng: np.random.Generator, part: _Templates, rows: _Ints, group: _Ints, ctx: _Rows
) -> pa.Array:
    """Fill one template per row of ``rows`` (chosen from its ``group``); other rows are null."""
    tid = part.table.pick(rng, group)
    order = np.argsort(tid, kind="stable")
    ids, first = np.unique(tid[order], return_index=True)
    bounds = [*first.tolist(), order.size]
    chunks = [
        _fill(rng, part.parsed[t], rows[order[a:b]], ctx)
        for t, a, b in zip(ids.tolist(), bounds[:-1], bounds[1:], strict=True)
    ]
    return _scatter(chunks, rows[order], ctx.size)


def _scatter(chunks: list[pa.Array], rows: _Ints, n: int) -> pa.Array:
    """Put the rendered chunks (in ``rows`` order) back in row order, null where absent."""
    pos = np.full(n, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.size)
    values = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
    return pc.take(values, pa.array(pos, mask=pos < 0))


def _everywhere(rng: np.random.Generator, part: _Templates, group: _Ints, ctx: _Rows) -> pa.Array:
    return _render(rng, part, np.arange(ctx.size), group, ctx)


def _sometimes(
    rng: np.random.Generator, part: _Templates, p: npt.NDArray[np.float64], group: _Ints, ctx: _Rows
) -> pa.Array:
    """Render ``part`` for a random subset of rows, with probability ``p[group]`` per row."""
    rows = np.flatnonzero(rng.random(group.size) < p[group])
    return _render(rng, part, rows, group[rows], ctx)


def _categorical(rng: np.random.Generator, p: npt.NDArray[np.float64], group: _Ints) -> _Ints:
    """Draw a column index per row from the probability row ``p[group]``."""
    inner_edges = np.cumsum(p, axis=1)[:, :-1]
    column: _Ints = (rng.random(group.size)[:, None] >= inner_edges[group]).sum(axis=1)
    return column


def _cap_first(strings: pa.Array) -> pa.Array:
    head = pc.utf8_upper(pc.utf8_slice_codeunits(strings, 0, 1))
    return pc.binary_join_element_wise(head, pc.utf8_slice_codeunits(strings, 1), "")


def _recase(rng: np.random.Generator, strings: pa.Array, tone: _Ints) -> pa.Array:
    """Lower- or upper-case whole titles, as some users type them."""
    style = _categorical(rng, _CASE_P, tone)
    strings = pc.if_else(style == 1, pc.utf8_lower(strings), strings)
    return pc.if_else(style == 2, pc.utf8_upper(strings), strings)


def _titles(rng: np.random.Generator, ctx: _Rows) -> pa.Array:
    category, tone, every = ctx.keys["category"], ctx.keys["tone"], ctx.keys[""]
    base = _cap_first(_everywhere(rng, _TITLE, category, ctx))
    prefix = _sometimes(rng, _TITLE_PREFIX, _PREFIX_P, tone, ctx)
    latin1 = _sometimes(rng, _TITLE_LATIN1, np.array([_LATIN1_SHARE]), every, ctx)
    title = pc.binary_join_element_wise(prefix, base, latin1, " ", null_handling="skip")
    punct = _sometimes(rng, _TITLE_PUNCT, _PUNCT_P, tone, ctx)
    title = pc.binary_join_element_wise(title, punct, "", null_handling="skip")
    return _recase(rng, title, tone)


def _descriptions(rng: np.random.Generator, ctx: _Rows) -> pa.Array:
    """A problem sentence plus up to three of: opener, detail, technical line, closer."""
    tone, every = ctx.keys["tone"], ctx.keys[""]
    latin1 = rng.random(ctx.size) < _LATIN1_SHARE
    use = rng.random((ctx.size, 4)) < _PART_P[tone]
    use[:, 3] |= latin1
    use[use.all(axis=1), 1] = False  # at most four sentences
    groups = (tone, every, every, np.where(latin1, len(_TONES), tone))
    opener, *rest = [
        _render(rng, part, np.flatnonzero(use[:, i]), groups[i][use[:, i]], ctx)
        for i, part in enumerate((_OPENER, _DETAIL, _TECH_LINE, _CLOSER))
    ]
    problem = _everywhere(rng, _PROBLEM, tone, ctx)
    text = pc.binary_join_element_wise(opener, problem, *rest, " ", null_handling="skip")
    return pc.if_else(tone == _TONES.index("casual"), text, _cap_first(text))


def _as_rows(category: np.ndarray, priority: np.ndarray) -> tuple[_Ints, _Ints]:
    cat = np.asarray(category, dtype=np.int64)
    prio = np.asarray(priority, dtype=np.int64)
    if cat.shape != prio.shape or cat.ndim != 1:
        raise ValueError("category and priority must be 1-d arrays of the same length")
    if cat.size and (cat.min() < 0 or cat.max() >= len(CATEGORIES)):
        raise ValueError(f"category indexes must be in 0..{len(CATEGORIES) - 1}")
    if prio.size and (prio.min() < 0 or prio.max() > 3):
        raise ValueError("priority must be in 0..3")
    return cat, prio


def make_text(
    rng: np.random.Generator, category: np.ndarray, priority: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    """category: int array of indexes into CATEGORIES; priority: int array 0..3 (0 = P1 most
    urgent). Returns (titles, descriptions) as pyarrow string arrays of the same length."""
    cat, prio = _as_rows(category, priority)
    tone = _categorical(rng, _TONE_P, prio)
    keys = {"category": cat, "tone": tone, "": np.zeros(cat.size, np.int64)}
    fixed = {slot: _POOLS[slot][1].pick(rng, keys[_POOLS[slot][0]]) for slot in _ROW_SLOTS}
    ctx = _Rows(keys, fixed)
    return _titles(rng, ctx), _descriptions(rng, ctx)


def tone_frame(rng: np.random.Generator, priority: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """An opener and a closer per row in a tone its priority suggests (null where the tone
    leaves one out): the frame for a description whose problem is written elsewhere
    (synth/rising.py). Neither names anything a category's vocabulary holds."""
    prio = np.asarray(priority, dtype=np.int64)
    tone = _categorical(rng, _TONE_P, prio)
    zeros = np.zeros(prio.size, np.int64)
    ctx = _Rows({"category": zeros, "tone": tone, "": zeros}, {})
    use = rng.random((prio.size, 2)) < _PART_P[tone][:, [0, 3]]
    opener, closer = (
        _render(rng, part, np.flatnonzero(use[:, i]), tone[use[:, i]], ctx)
        for i, part in enumerate((_OPENER, _CLOSER))
    )
    return opener, closer


# Comments a shape adds to its tickets: an agent's first reply, a requester's follow-up on a
# reopened ticket (polite or frustrated) and a requester's nudge on one nobody answered, each
# drawn whole from its pool.
COMMENT_LINES: dict[str, tuple[str, ...]] = {
    "reply": (
        "Thanks, we are looking into it.",
        "Thanks for reporting this, I am on it.",
        "We have picked this up and will update you shortly.",
        "Could you tell us when this started and whether others are affected?",
        "I have escalated this to the second line team.",
    ),
    "follow_up": (
        "Sorry to bother you again, but the problem is back.",
        "This is happening again since this morning.",
        "Still not working. This is the second time I am reporting this!",
        "The fix did not hold, it broke again after the restart.",
        "Hi, unfortunately the issue has returned. Could you have another look?",
        "Why was this closed? Nothing has changed on my side.",
    ),
    "nudge": (
        "Any update on this?",
        "Is there any news on this one?",
        "Could someone please take a look? It is still happening.",
        "Hello? This has been open for a while now.",
    ),
}
