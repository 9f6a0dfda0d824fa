"""The oracle of test_year: every figure, rank and score of a year of events,
recomputed from the events alone and compared with statistics' answers.

Written from docs/API.md (section Statistics, Scoring rules) and the
formulas in services/statistics/scores.h and authors.h, sharing no code
with the service.
Reads FOLDER/events.jsonl, FOLDER/rules.ini and FOLDER/answers.json; exits
1 naming the first differences, 0 when every answer is equal.

    /usr/bin/python3 year_oracle.py FOLDER
"""
import calendar
import configparser
import datetime
import json
import sys
import time
from collections import defaultdict

BASES = ("published", "decided", "received")
LEVELS = ("county", "city", "province", "central")
TIERS = ("province", "city", "county", "township", "section", "key_unit")


def local_day(ms):
    return time.strftime("%Y-%m-%d", time.localtime(ms // 1000))


BIN_HOURS = (1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720)


def bin_of(waited):
    """The histogram bin of a time to decision (docs/API.md): the first
    bound it does not pass, or the last bin."""
    for i, hours in enumerate(BIN_HOURS):
        if waited <= hours * 3600000:
            return i
    return len(BIN_HOURS)


class Figures:
    """Counts per (basis, slice, unit, day): slice is "" (totals) or
    "channel=web", "kind=...", "topic=...", "periodical=..."."""

    def __init__(self):
        self.count = defaultdict(lambda: defaultdict(int))

    def add(self, unit, dates, measure, delta, dims=None, waited=None):
        """dates: basis -> ms (None: not counted under that basis); dims:
        dimension -> value (None or "": no slice of it)."""
        slices = [""] + [f"{d}={v}" for d, v in (dims or {}).items() if v]
        for basis, at in dates.items():
            if at is None:
                continue
            day = local_day(at)
            for s in slices:
                row = self.count[(basis, s, unit, day)]
                self._move(row, measure, delta)
                if waited is not None:
                    self._move(row, "decided", delta)
                    self._move(row, "decision_ms", delta * waited)
                    self._move(row, ("bin", bin_of(waited)), delta)

    def values(self, dimension):
        """Every value of dimension any count had, in any basis."""
        prefix = dimension + "="
        return sorted(set(s[len(prefix):] for (_, s, _, _) in self.count if s.startswith(prefix)))

    @staticmethod
    def _move(row, measure, delta):
        row[measure] = max(0, row[measure] + delta)


DIMENSIONS = ("channel", "kind", "topic", "periodical")
PERCENTILES = ["decision_p50_ms", "decision_p90_ms"]


def percentile(row, fraction):
    """The upper bound of the bin holding fraction of the decisions (the
    smallest whose running count reaches ceil(fraction * total)); 0 when
    none, 2^64 - 1 when it is the last, unbounded bin."""
    bins = [row[("bin", i)] for i in range(len(BIN_HOURS) + 1)]
    total = sum(bins)
    if total == 0:
        return 0
    wanted = int(fraction * total)
    if wanted < fraction * total:
        wanted += 1
    wanted = max(wanted, 1)
    seen = 0
    for i, hours in enumerate(BIN_HOURS):
        seen += bins[i]
        if seen >= wanted:
            return hours * 3600000
    return 2 ** 64 - 1


def number(row, name):
    """A figure of an answer: JSON gives a number above 2^63 - 1 as its
    digits in a string (docs/API.md)."""
    return int(row.get(name, 0))


def figure(row, name):
    if name == "decision_p50_ms":
        return percentile(row, 0.5)
    if name == "decision_p90_ms":
        return percentile(row, 0.9)
    return row[name]


class Year:
    def __init__(self):
        self.figures = Figures()
        self.units = {}  # name -> (parent, tier)
        self.reports = {}  # id -> (unit, channel, received_at, kind, topic, officer)
        self.adoptions = {}  # report id -> decision
        self.once = set()
        self.known = {}  # id -> the report's dimensions, from every report.received

    def know(self, kind, r):
        if kind == "report.received" and r.get("version", 1) == 1:
            self.known[r["report_id"]] = (r["unit"], r["channel"], r["received_at"], r["kind"],
                                          r.get("topic"), r.get("officer"))

    def credited(self, d):
        if d.get("sources"):
            return [(s["report_id"], s["unit"], s["received_at"]) for s in d["sources"]]
        return [(d["report_id"], d["unit"], d["received_at"])]

    def dims(self, report_id, periodical=None):
        """The slices a count about a report falls in: its channel, kind
        and topic as received, the periodical of the decision, and its
        author (the officer who wrote it, within its unit). They are the
        report's whenever it comes: a count made before the report is
        received gets them when it is (docs/API.md), so the oracle knows
        every report from the start (Year.know)."""
        _, channel, _, kind, topic, officer = self.known.get(report_id, (None,) * 6)
        return {"channel": channel, "kind": kind, "topic": topic, "periodical": periodical,
                "author": officer}

    def synthesis_credit(self, d, dates, unit, rid, delta):
        """A source of an adopted synthesis: its piece, and its share of the
        credit in hundredths (100 // sources)."""
        if d.get("sources"):
            share = 100 // len(d["sources"])
            dims = self.dims(rid, d.get("periodical"))
            self.figures.add(unit, dates, "synthesis_adopted", delta, dims)
            self.figures.add(unit, dates, "synthesis_share", delta * share, dims)

    def apply(self, kind, r):
        f = self.figures
        if kind == "registry.unit_put":
            tier = r["level"] if r.get("kind", "department") == "department" else r["kind"]
            self.units[r["name"]] = (r.get("parent", ""), tier)
        elif kind == "report.received":
            if r.get("version", 1) > 1:
                return
            at = r["received_at"]
            self.reports[r["report_id"]] = (r["unit"], r["channel"], at, r["kind"],
                                            r.get("topic"), r.get("officer"))
            f.add(r["unit"], dict.fromkeys(BASES, at), "submitted", 1, self.dims(r["report_id"]))
        elif kind == "review.decided":
            self.decided(r)
        elif kind == "issue.published":
            self.published(r)
        elif kind in ("report.adopted_upward", "report.instructed"):
            # One adoption counts once; comments count once per report and
            # level, however many leaders of that level wrote one.
            key = ((kind, r["adoption_id"]) if kind == "report.adopted_upward"
                   else (kind, r["report_id"], r["level"]))
            if key in self.once:
                return
            self.once.add(key)
            at = r.get("adopted_at", r.get("instructed_at"))
            measure = ("adopted_" if kind == "report.adopted_upward" else "instructed_") + r["level"]
            received = self.reports[r["report_id"]][2]
            f.add(r["unit"], {"published": at, "decided": at, "received": received}, measure, 1,
                  self.dims(r["report_id"]))
        elif kind == "commission.created":
            for u in r["units"]:
                f.add(u["unit"], dict.fromkeys(BASES, r["created_at"]), "commissioned", 1)
        elif kind == "commission.answered":
            at = dict.fromkeys(BASES, r["answered_at"])
            f.add(r["unit"], at, "answered", 1)
            if not r.get("on_time", False):
                f.add(r["unit"], at, "answered_late", 1)
                if r.get("scored", False):
                    f.add(r["unit"], at, "answered_late_scored", 1)
        elif kind == "commission.missed":
            at = dict.fromkeys(BASES, r["deadline"])
            f.add(r["unit"], at, "missed", 1)
            if r.get("scored", False):
                f.add(r["unit"], at, "missed_scored", 1)
        else:
            raise SystemExit("the oracle does not know " + kind)

    def decided(self, d):
        measures = {"adopt": "adopted", "return": "returned", "decline": "declined",
                    "forward": "forwarded"}
        f = self.figures
        if d["decision"] == "revert":
            measure = measures[d["reverts"]]
            before = d["previous_at"]
            for rid, unit, received in self.credited(d):
                dates = {"published": None if measure == "adopted" else before,
                         "decided": before, "received": received}
                f.add(unit, dates, measure, -1, self.dims(rid, d.get("periodical")),
                      max(0, before - received))
                if measure == "adopted":
                    self.synthesis_credit(d, dates, unit, rid, -1)
            for rid, unit, received in self.credited(d):
                at = d["decided_at"]
                f.add(unit, {"published": at, "decided": at, "received": received}, "reverted",
                      1, self.dims(rid))
            self.adoptions.pop(d["report_id"], None)
            return
        measure = measures[d["decision"]]
        at = d["decided_at"]
        for rid, unit, received in self.credited(d):
            dates = {"published": None if measure == "adopted" else at, "decided": at,
                     "received": received}
            f.add(unit, dates, measure, 1, self.dims(rid, d.get("periodical")),
                  max(0, at - received))
            if measure == "adopted":
                self.synthesis_credit(d, dates, unit, rid, 1)
        if measure == "adopted":
            self.adoptions[d["report_id"]] = d

    def published(self, issue):
        f = self.figures
        at = issue["published_at"]
        for item in issue["items"]:
            d = self.adoptions.get(item["report_id"])
            if d is None:
                raise SystemExit("the test publishes only adoptions")
            for rid, unit, received in self.credited(d):
                f.add(unit, {"published": at, "decided": at, "received": received}, "published",
                      1, self.dims(rid, d.get("periodical")))
            for rid, unit, received in self.credited(d):
                f.add(unit, {"published": at}, "adopted", 1, self.dims(rid, d.get("periodical")),
                      max(0, d["decided_at"] - received))
                self.synthesis_credit(d, {"published": at}, unit, rid, 1)


def period_days(text):
    """The days of a period and its whole months (0 for a range)."""
    def days(first, last):
        out, day = [], first
        while day <= last:
            out.append(day.isoformat())
            day += datetime.timedelta(days=1)
        return out
    if ".." in text:
        a, b = text.split("..")
        return days(datetime.date.fromisoformat(a), datetime.date.fromisoformat(b)), 0
    year = int(text[:4])
    if len(text) == 4:
        first_month, months = 1, 12
    elif text[5] == "Q":
        first_month, months = (int(text[6]) - 1) * 3 + 1, 3
    elif text[5] == "H":
        first_month, months = (int(text[6]) - 1) * 6 + 1, 6
    else:
        first_month, months = int(text[5:7]), 1
    last_month = first_month + months - 1
    first = datetime.date(year, first_month, 1)
    last = datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return days(first, last), months


_totals = {}


def totals(year, basis, period, slice_=""):
    key = (basis, period, slice_)
    if key not in _totals:
        _totals[key] = _sum(year, basis, period, slice_)
    return _totals[key]


def _sum(year, basis, period, slice_):
    days, _ = period_days(period)
    days = set(days)
    out = {u: defaultdict(int) for u in year.units}
    for (b, s, unit, day), row in year.figures.count.items():
        if b == basis and s == slice_ and day in days:
            for measure, value in row.items():
                out[unit][measure] += value
    return out


def rolled_up(year, figures):
    out = {u: defaultdict(int, figures[u]) for u in figures}
    for unit in year.units:
        parent = year.units[unit][0]
        while parent:
            for measure, value in figures[unit].items():
                out[parent][measure] += value
            parent = year.units[parent][0]
    return out


def competition_ranks(values, year):
    """unit -> rank within its tier, highest first, equal values sharing."""
    ranks = {}
    for tier in set(t for _, t in year.units.values()):
        units = sorted((u for u in values if year.units[u][1] == tier), key=lambda u: -values[u])
        for i, u in enumerate(units):
            same = i > 0 and values[u] == values[units[i - 1]]
            ranks[u] = ranks[units[i - 1]] if same else i + 1
    return ranks


class Rules:
    def __init__(self, path):
        ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
        ini.optionxform = str
        ini.read(path, encoding="utf-8")
        number = lambda section, key: int(ini.get(section, key, fallback="0"))
        self.name = ini.get("rules", "name", fallback="")
        self.points = {k: int(v) for k, v in ini.items("points")} if ini.has_section("points") else {}
        self.rewards = {k: int(v) for k, v in ini.items("rewards")} if ini.has_section("rewards") else {}
        self.missed = number("penalties", "missed")
        self.late = number("penalties", "answered_late")
        self.zero_after = number("penalties", "zero_after_missed")
        self.figure = ini.get("quotas", "figure", fallback="adopted")
        self.tier_quota = {t: number("quotas", t) for t in TIERS}
        self.unit_quota = ({k: int(v) for k, v in ini.items("unit_quotas")}
                           if ini.has_section("unit_quotas") else {})
        self.weights = {k: number("assessment", k) for k in ("quota", "quality", "timeliness", "upward")}
        self.upward_full = number("assessment", "upward_full")
        self.split = number("synthesis", "split") == 1
        self.parent_credit = {t: number("parent_credit", t) for t in TIERS}


def author_totals(year, basis, period):
    """(unit, author) -> the author's counts in that unit over period, for
    every author with a figure in it."""
    days = set(period_days(period)[0])
    out = defaultdict(lambda: defaultdict(int))
    for (b, s, unit, day), row in year.figures.count.items():
        if b == basis and s.startswith("author=") and day in days:
            for measure, value in row.items():
                out[(unit, s[len("author="):])][measure] += value
    return {k: v for k, v in out.items()
            if any(v[m] for m in v if isinstance(m, str))}


def competition(keys, value):
    """key -> competition rank ("1224") by value, highest first."""
    ordered = sorted(keys, key=lambda k: -value[k])
    ranks = {}
    for i, k in enumerate(ordered):
        ranks[k] = ranks[ordered[i - 1]] if i and value[k] == value[ordered[i - 1]] else i + 1
    return ranks


def check_authors(check, where, year, rules, basis, period, by, unit, page):
    """statistics.authors: every author with a figure in the period (of
    unit, when asked), points and reward by the rules, ranked overall and
    within the unit, in ranking order."""
    want = {k: c for k, c in author_totals(year, basis, period).items() if not unit or k[0] == unit}
    rows = {(r["unit"], r["author"]): r for r in page["rows"]}
    check.equal(f"{where} authors", sorted(rows), sorted(want))
    by = by or "points"
    value = {}
    for key, c in want.items():
        points, reward, _ = points_reward(rules, c)
        value[key] = points if by == "points" else reward if by == "reward" else c[by]
        row = rows.get(key, {})
        expected = dict(points=points, reward=reward, value=value[key],
                        instructed=sum(c["instructed_" + l] for l in LEVELS))
        for m in ("submitted", "adopted", "published", "synthesis_adopted"):
            expected[m] = c[m]
        for l in LEVELS:
            expected["adopted_" + l] = c["adopted_" + l]
        for name, v in expected.items():
            check.equal(f"{where} {key} {name}", number(row, name), v)
        check.equal(f"{where} {key} tier", row.get("tier"), year.units[key[0]][1])
    overall = competition(list(want), value)
    in_unit = {}
    for u in set(k[0] for k in want):
        in_unit.update(competition([k for k in want if k[0] == u], value))
    for key in want:
        check.equal(f"{where} {key} rank", rows.get(key, {}).get("rank"), overall[key])
        check.equal(f"{where} {key} unit_rank", rows.get(key, {}).get("unit_rank"), in_unit[key])
    order = sorted(want, key=lambda k: (-value[k], k[0], k[1]))
    check.equal(f"{where} order", [(r["unit"], r["author"]) for r in page["rows"]], order)
    check.equal(f"{where} rules", (page["rules_version"], page.get("rules_name", "")),
                (1, rules.name))


def share(part, have, full):
    return part if full == 0 else part * min(have, full) // full


def points_reward(rules, c):
    """The [points] and [rewards] of counts c, and the points earned above
    (adoptions and comments at other levels)."""
    figures = [(m, v) for m, v in c.items() if isinstance(m, str)]  # not the bins
    points = sum(rules.points.get(m, 0) * v for m, v in figures)
    reward = sum(rules.rewards.get(m, 0) * v for m, v in figures)
    if rules.split:
        # A source of a synthesis scores its share (hundredths), not a piece.
        whole = max(0, c["adopted"] - c["synthesis_adopted"])
        for table, name in ((rules.points, "points"), (rules.rewards, "reward")):
            per = table.get("adopted", 0)
            split = per * whole + per * c["synthesis_share"] // 100
            if name == "points":
                points += split - per * c["adopted"]
            else:
                reward += split - per * c["adopted"]
    up = sum(rules.points.get(m, 0) * v for m, v in figures
             if m.startswith("adopted_") or m.startswith("instructed_"))
    return points, reward, up


def score(rules, c, quota):
    points, reward, up = points_reward(rules, c)
    late = c["answered_late_scored"]
    missed = max(0, c["missed_scored"] - late)
    penalty = rules.missed * missed + rules.late * late
    done = c[rules.figure]
    w = rules.weights
    parts = {
        "score_quota": share(w["quota"], done, quota),
        "score_quality": share(w["quality"], c["adopted"], c["submitted"]) if c["submitted"] else 0,
        "score_timeliness": share(w["timeliness"], max(0, c["answered"] - c["answered_late"]),
                                  c["commissioned"]),
        "score_upward": (share(w["upward"], up, rules.upward_full) if rules.upward_full
                         else (w["upward"] if up else 0)),
    }
    total = max(0, sum(parts.values()) - penalty)
    if rules.zero_after and missed >= rules.zero_after:
        total = 0
    row = dict(points=points, reward=reward, penalty=penalty, quota=quota, quota_done=done,
               quota_met=done >= quota, score=total, **parts)
    for m in ("submitted", "adopted", "adopted_county", "adopted_city", "adopted_province",
              "adopted_central", "commissioned", "answered_late_scored", "missed_scored"):
        row[m] = c[m]
    return row


class Check:
    def __init__(self):
        self.failures = []
        self.groups = defaultdict(int)
        self.compared = 0

    def equal(self, where, got, want):
        self.compared += 1
        if got != want:
            self.groups[" ".join(where.split()[:3])] += 1
            if len(self.failures) < 40:
                self.failures.append(f"{where}: statistics says {got}, the oracle {want}")


def main(folder):
    year = Year()
    events = 0
    with open(folder + "/events.jsonl", encoding="utf-8") as lines:
        events_read = [json.loads(line) for line in lines]
    for event in events_read:
        year.know(event["type"], event["record"])
    for event in events_read:
        year.apply(event["type"], event["record"])
        events += 1
    rules = Rules(folder + "/rules.ini")
    answers = json.load(open(folder + "/answers.json", encoding="utf-8"))
    check = Check()
    measures = ["submitted", "adopted", "returned", "declined", "forwarded", "published",
                "reverted", "decided", "decision_ms", "commissioned", "answered", "answered_late",
                "missed", "answered_late_scored", "missed_scored", "synthesis_adopted",
                "synthesis_share"]
    measures += ["adopted_" + l for l in LEVELS] + ["instructed_" + l for l in LEVELS]
    for answer in answers:
        what, period, basis, page = (answer[k] for k in ("what", "period", "basis", "page"))
        where = f"{what} {period} {basis}"
        if what in DIMENSIONS:
            rows = page["rows"]
            values = sorted(set(r["value"] for r in rows))
            check.equal(f"{where} values", values, year.figures.values(what))
            check.equal(f"{where} rows", len(rows), len(values) * len(year.units))
            for row in rows:
                want = totals(year, basis, period, what + "=" + row["value"])[row["unit"]]
                for m in measures + PERCENTILES:
                    check.equal(f"{where} {row['unit']} {row['value']} {m}", number(row, m),
                                figure(want, m))
        elif what in ("figures", "rollup"):
            rows = page["rows"]
            want = totals(year, basis, period)
            if what == "rollup":
                want = rolled_up(year, want)
            check.equal(f"{where} units", sorted(r["unit"] for r in rows), sorted(year.units))
            for row in rows:
                for m in measures + PERCENTILES:
                    check.equal(f"{where} {row['unit']} {m}", number(row, m),
                                figure(want[row["unit"]], m))
        elif what == "ranking":
            by, only = answer.get("by") or "adopted", answer.get("tier") or ""
            where += f" by {by} {only}"
            want = totals(year, basis, period)
            ranks = competition_ranks({u: want[u][by] for u in want}, year)
            check.equal(f"{where} units", sorted(r["unit"] for r in page["rows"]),
                        sorted(u for u in year.units if not only or year.units[u][1] == only))
            for row in page["rows"]:
                check.equal(f"{where} {row['unit']} rank", row["rank"], ranks[row["unit"]])
                check.equal(f"{where} {row['unit']} value", row["value"], want[row["unit"]][by])
        elif what == "authors":
            check_authors(check, f"{where} by {answer['by']} {answer['unit']}", year, rules, basis,
                          period, answer["by"], answer["unit"], page)
        elif what == "scores":
            by, only = answer.get("by") or "score", answer.get("tier") or ""
            where += f" by {by} {only}"
            check.equal(f"{where} rules", (page["rules_version"], page.get("rules_name", "")),
                        (1, rules.name))
            want = totals(year, basis, period)
            days, months = period_days(period)
            expected = {}
            for unit, (_, tier) in year.units.items():
                monthly = rules.unit_quota.get(unit, rules.tier_quota.get(tier, 0))
                quota = monthly * months if months else -(-monthly * len(days) // 30)
                expected[unit] = score(rules, want[unit], quota)
            # A share of a unit's own points also counts for its parent.
            from_below = defaultdict(int)
            for unit, (parent, tier) in year.units.items():
                if parent:
                    from_below[parent] += (expected[unit]["points"] * rules.parent_credit[tier]
                                           // 100)
            for unit in expected:
                expected[unit]["points"] += from_below[unit]
                expected[unit]["points_from_below"] = from_below[unit]
            ranks = competition_ranks({u: expected[u][by] for u in expected}, year)
            check.equal(f"{where} units", sorted(r["unit"] for r in page["rows"]),
                        sorted(u for u in year.units if not only or year.units[u][1] == only))
            for row in page["rows"]:
                unit = row["unit"]
                check.equal(f"{where} {unit} rank", row["rank"], ranks[unit])
                for key, value in expected[unit].items():
                    check.equal(f"{where} {unit} {key}", row.get(key, False if key == "quota_met" else 0), value)
    if check.failures:
        print("year oracle: differences in %s; the first:" % dict(check.groups))
        print("\n".join(check.failures))
        return 1
    adopted = sum(v["adopted"] for v in totals(year, "published", "2026").values())
    authors = len(author_totals(year, "published", "2026"))
    print(f"year oracle: {events} events, {len(year.units)} units, {authors} authors, "
          f"{len(answers)} answers, {check.compared} values equal ({adopted} adoptions "
          f"published in 2026)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
