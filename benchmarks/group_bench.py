"""Dealer-group scale: the toolkit's KPIs against DuckDB SQL over the same Parquet files.

    python benchmarks/group_bench.py [--customers 200000] [--keep DIR | --data DIR] [--only PART ...]

1. generates the group with `playbook sample --stores 10` (timed: the foundation's one-minute target);
2. loads and validates it from CSV (three fresh processes, in turn with DuckDB's plain read; the
   medians), then from the cache (each in a fresh process, peak memory);
3. computes each playbook's KPIs with the toolkit and with DuckDB SQL over the validated Parquet
   tables, checks they are equal, and prints toolkit ÷ DuckDB;
4. renders each playbook on the group with `playbook render` three times in turn (whole process, median seconds, peak memory);
5. times the computations behind the widgets (a filter or slider change) on the group.

Writes benchmarks/results/group-<date>.json. Needs DuckDB (`pip install duckdb`); not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from recorded import machine, write_results

BIN = Path(sys.executable).parent
TARGET_RATIO = 1.5
LOAD_RUNS = RENDER_RUNS = 3


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Seconds and peak memory (GB) of a whole command: the most its processes (a render and its
    kernel, say) held at once, sampled every 20 ms from /proc."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()}")
    return seconds, peak / 1e9


# DuckDB reading every CSV file of a folder into memory as text, with no checks: the reference
# for load and validation
DUCKDB_READ = """
import duckdb, pathlib
con = duckdb.connect()
for path in sorted(pathlib.Path({folder!r}).glob("*.csv")):
    con.execute(f"CREATE TABLE t_{{path.stem}} AS SELECT * FROM read_csv('{{path}}', all_varchar = true)")
"""


def arrow_reader_equal(group: Path) -> bool:
    """Whether loading the group with Arrow's CSV reader gives the tables, warnings and as_of of
    loading it with the careful pandas reader alone."""
    import pandas as pd

    from toolkit.inputs import reading
    from toolkit.inputs.dealer import _read_and_validate

    fast = _read_and_validate(group)
    arrow_cells, reading.arrow_cells = reading.arrow_cells, lambda data, encoding=None: None
    try:
        slow = _read_and_validate(group)
    finally:
        reading.arrow_cells = arrow_cells
    if fast.tables.keys() != slow.tables.keys() or fast.warnings != slow.warnings or fast.as_of != slow.as_of:
        return False
    try:
        for name in fast.tables:
            pd.testing.assert_frame_equal(fast.tables[name], slow.tables[name], check_exact=True)
    except AssertionError:
        return False
    return True


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants, a page shared by several of them (a
    forked kernel's imports, shared with its kernel server) counted once: the sum of their
    proportional set sizes, or of their resident sizes where Linux gives no PSS. The tree is
    walked through each process's own list of children, not by reading every process on the
    machine: that scan, every 20 ms, took enough of a 2-core machine to slow what it measured."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        total += proportional(pid, resident)
    return total


def proportional(pid: int, resident: int) -> int:
    """A process's proportional set size in bytes (each shared page divided among its sharers)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resident


def timed(fn, repeat: int = 3):
    """The value of ``fn()`` and its best time of ``repeat`` runs (the first run also pays for
    imports and warm-up, on both sides of a comparison)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return value, best


# --- the references -------------------------------------------------------------------------


def duckdb_kpis(tables: Path, rules, as_of: str) -> dict:
    """The same KPIs as SQL over the validated Parquet tables, as of ``as_of``."""
    import duckdb

    from toolkit.analyses.knowledge import KPI_NAMES, POSTAL_RE
    from toolkit.analyses.validity import EMAIL_RE, LOCAL_MAX

    con = duckdb.connect()
    for p in tables.glob("*.parquet"):
        con.execute(f"CREATE VIEW {p.stem} AS SELECT * FROM read_parquet('{p}')")

    def q(sql):
        return con.execute(sql).fetchall()

    out = {}

    def reference(name, fn):
        value, seconds = timed(fn)
        out[name] = (value, seconds)

    knowledge_names = list(KPI_NAMES)
    knowledge_sql = (
        r"""
        WITH c AS (
          SELECT customer_id, household_id, email_opt_in, sms_opt_in, lower(trim(email)) AS e,
                 regexp_replace(phone, '\D', '', 'g') AS d,
                 coalesce(regexp_full_match(trim(postal_code), '{postal}'), false) AS postal_ok FROM customers),
        n AS (SELECT *, CASE WHEN length(d) = 11 AND d LIKE '1%' THEN d[2:] ELSE d END AS p FROM c),
        v AS (SELECT *,
                coalesce(regexp_full_match(e, '{email}') AND strpos(e, '@') <= {local_max} + 1
                    AND split_part(e, '@', 1) NOT IN ('noemail','no.email','no-email','none','na','n/a','no','declined',
                        'refused','unknown','nomail','noreply','donotemail','customer','test','x')
                    AND split_part(e, '@', 2) NOT IN ('noemail.com','none.com','na.com','nomail.com','noemail.net','none.net'),
                    false) AS e_ok,
                coalesce(regexp_full_match(p, '[2-9][0-9]{2}[2-9][0-9]{6}') AND p[2:3] <> '11' AND p[5:6] <> '11'
                    AND NOT regexp_matches(p, '^(0{10}|1{10}|2{10}|3{10}|4{10}|5{10}|6{10}|7{10}|8{10}|9{10})$'),
                    false) AS p_ok,
                customer_id IN (SELECT customer_id FROM vehicles) AS has_vehicle,
                coalesce(household_id IN (SELECT household_id FROM customers GROUP BY 1 HAVING count(*) > 1), false) AS linked,
                coalesce(trim(household_id) <> '', false) AS known
              FROM n),
        shared_e AS (SELECT e FROM v WHERE e_ok GROUP BY e HAVING count(DISTINCT customer_id) > 1),
        shared_p AS (SELECT p FROM v WHERE p_ok GROUP BY p HAVING count(DISTINCT customer_id) > 1)
        SELECT avg(e_ok::INT), avg(p_ok::INT), avg(postal_ok::INT), avg(has_vehicle::INT), avg(linked::INT),
               avg(known::INT), NULL,
               avg(((e_ok AND e IN (SELECT e FROM shared_e)) OR (p_ok AND p IN (SELECT p FROM shared_p)))::INT),
               avg((e_ok::INT + p_ok::INT + postal_ok::INT + has_vehicle::INT + known::INT) / 5),
               avg(coalesce(email_opt_in, false)::INT), avg(coalesce(sms_opt_in, false)::INT)
        FROM v""".replace("{postal}", POSTAL_RE)
        .replace("{email}", EMAIL_RE.replace("'", "''"))
        .replace("{local_max}", str(LOCAL_MAX))
    )
    reference("customer_knowledge", lambda: dict(zip(knowledge_names, q(knowledge_sql)[0])))

    def cadence_sql():
        con.execute("""CREATE OR REPLACE TEMP TABLE pairs AS
            WITH t AS (SELECT touch_id, customer_id, occurred_at, occurred_at::DATE AS day, template,
                              staff_id IS NOT NULL AND campaign_id IS NULL AS personal FROM touches
                       WHERE direction IS NULL OR direction = 'outbound')
            SELECT s.deal_id, t.touch_id, t.template, datediff('day', s.sold_at::DATE, t.day) AS k,
                   t.personal AND t.occurred_at >= s.sold_at AS follow_up
            FROM sales s JOIN t USING (customer_id)""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE ps AS
            SELECT deal_id, customer_id, sold_at::DATE AS sold, datediff('day', sold_at::DATE, DATE '{as_of}') AS age
            FROM sales""")
        con.execute("""CREATE OR REPLACE TEMP TABLE plan(step VARCHAR, s INT, e INT)""")
        con.execute("""INSERT INTO plan VALUES ('thank_you',0,2),('check_in',5,10),('first_service_reminder',21,45),
                                               ('quarter',75,120),('half_year',150,210),('anniversary',335,395)""")
        out = {
            r[0]: r[1]
            for r in q("""
            SELECT step, avg((EXISTS (SELECT 1 FROM pairs p WHERE p.deal_id = ps.deal_id AND p.follow_up
                                      AND p.k BETWEEN plan.s AND plan.e))::INT)
            FROM ps, plan WHERE age >= plan.e GROUP BY step""")
        }
        out["full_cadence_share"] = q("""
            WITH hits AS (SELECT DISTINCT p.deal_id, plan.step FROM pairs p
                          JOIN plan ON p.follow_up AND p.k BETWEEN plan.s AND plan.e)
            SELECT avg(((SELECT count(*) FROM hits h WHERE h.deal_id = ps.deal_id) = (SELECT count(*) FROM plan))::INT)
            FROM ps WHERE age >= (SELECT max(e) FROM plan)""")[0][0]
        out["personalised_share"] = q("""
            SELECT avg(coalesce(template = false, false)::INT)
            FROM (SELECT DISTINCT touch_id, template FROM pairs WHERE k BETWEEN 0 AND 365)""")[0][0]
        out["median_days_to_first_touch"] = q("""
            SELECT median(k) FROM (SELECT deal_id, min(k) AS k FROM pairs WHERE follow_up AND k BETWEEN 0 AND 395
                                   GROUP BY deal_id)""")[0][0]
        out["first_service_set_share"] = q("""
            SELECT avg((EXISTS (SELECT 1 FROM appointments a WHERE a.customer_id = ps.customer_id
                                AND datediff('day', ps.sold, a.set_at::DATE) BETWEEN 0 AND 30))::INT)
            FROM ps WHERE age >= 30""")[0][0]
        out["first_service_show_rate"] = q(f"""
            WITH first AS (
              SELECT ps.deal_id, a.status, a.scheduled_for FROM ps JOIN appointments a USING (customer_id)
              WHERE datediff('day', ps.sold, a.set_at::DATE) BETWEEN 0 AND 30
              QUALIFY row_number() OVER (PARTITION BY ps.deal_id ORDER BY a.set_at, a.scheduled_for) = 1)
            SELECT avg((status = 'shown')::INT) FROM first WHERE scheduled_for::DATE <= DATE '{as_of}'""")[0][0]
        out["service_retention_12m"] = q("""
            SELECT avg((EXISTS (SELECT 1 FROM repair_orders r WHERE r.customer_id = ps.customer_id
                                AND coalesce(r.pay_type, 'customer') <> 'internal'
                                AND datediff('day', ps.sold, r.opened_at::DATE) BETWEEN 1 AND 365))::INT)
            FROM ps WHERE age >= 365""")[0][0]
        return out

    reference("sold_follow_up", cadence_sql)

    reference(
        "engagement",
        lambda: {
            "engaged_share_90d": q(
                """
        SELECT avg((customer_id IN (SELECT customer_id FROM events
                    WHERE occurred_at::DATE > DATE '{as_of}' - INTERVAL 90 DAY))::INT)
        FROM customers""".replace("{as_of}", as_of)
            )[0][0],
            **{f"events.{t}": n for t, n in q("SELECT type, count(*) FROM events GROUP BY type")},
        },
    )

    reference(
        "cx_alignment",
        lambda: dict(
            zip(
                [
                    "alignment_index",
                    "department_gap",
                    "strongly_aligned_share",
                    "lack_of_alignment_share",
                    "respondents",
                ],
                q("""
        WITH people AS (SELECT respondent_id, department, avg(score) AS m FROM survey GROUP BY ALL)
        SELECT (SELECT avg(score) FROM survey),
               (SELECT max(m) - min(m) FROM (SELECT avg(score) m FROM survey GROUP BY department)),
               (SELECT avg((m >= 4.5)::INT) FROM people), (SELECT avg((m <= 2.5)::INT) FROM people),
               (SELECT count(DISTINCT respondent_id) FROM people)""")[0],
            )
        ),
    )

    def reciprocity_sql():
        def tag_sql(kind):
            parts = [
                f"CASE WHEN regexp_matches(txt, '{'|'.join(f'(?:{p})' for p in pats).replace(chr(39), chr(39) * 2)}', 'i') THEN '{tag}' END"
                for k, tag, pats in rules.patterns()
                if k == kind and pats
            ]
            return f"nullif(concat_ws(';', {', '.join(parts)}), '')"

        con.execute(f"""CREATE OR REPLACE TEMP TABLE b AS
            WITH o AS (SELECT t.*, trim(coalesce(t.subject, '') || ' | ' || coalesce(c.name, ''), ' |') AS txt
                       FROM touches t LEFT JOIN campaigns c USING (campaign_id)
                       WHERE t.direction IS NULL OR t.direction = 'outbound'),
            k AS (SELECT *, CASE WHEN gives IS NULL AND asks IS NULL THEN {tag_sql("gives")} ELSE gives END AS g,
                            CASE WHEN gives IS NULL AND asks IS NULL THEN {tag_sql("asks")} ELSE asks END AS a FROM o)
            SELECT *, g IS NOT NULL AS gives_any, a IS NOT NULL AS asks_any, a IS NOT NULL AND g IS NULL AS ask_only FROM k""")
        ratio, ask_only = q("SELECT sum(gives_any::INT) / sum(asks_any::INT), avg(ask_only::INT) FROM b")[0]
        irrelevant, unknown = q("""
            WITH o AS (SELECT b.*, EXISTS (SELECT 1 FROM vehicles v WHERE v.customer_id = b.customer_id) AS known,
                              EXISTS (SELECT 1 FROM vehicles v WHERE v.customer_id = b.customer_id
                                      AND lower(v.make) = lower(b.offer_make)) AS owns
                       FROM b WHERE offer_make IS NOT NULL)
            SELECT avg(CASE WHEN known THEN (NOT owns)::INT END), avg((NOT known)::INT) FROM o""")[0]
        give_rate = q("""SELECT avg(coalesce(datediff('day', b.occurred_at::DATE, e.occurred_at::DATE) <= 7, false)::INT) FROM b
                         ASOF LEFT JOIN events e ON b.customer_id = e.customer_id AND e.occurred_at > b.occurred_at
                         WHERE b.gives_any""")[0][0]
        streak = q("""WITH s AS (SELECT customer_id, ask_only, row_number() OVER w - row_number() OVER (PARTITION BY customer_id, ask_only ORDER BY occurred_at, rowid) AS grp
                       FROM (SELECT *, rowid FROM b) WINDOW w AS (PARTITION BY customer_id ORDER BY occurred_at, rowid)),
                      r AS (SELECT customer_id, max(CASE WHEN ask_only THEN n ELSE 0 END) AS longest
                            FROM (SELECT customer_id, ask_only, grp, count(*) n FROM s GROUP BY ALL) GROUP BY customer_id)
                      SELECT median(longest) FROM r""")[0][0]
        return {
            "give_ask_ratio": ratio,
            "ask_only_share": ask_only,
            "irrelevant_offer_share": irrelevant,
            "unknown_ownership_offer_share": unknown,
            "engagement_after_give_rate": give_rate,
            "median_longest_ask_streak": streak,
        }

    reference("reciprocity", reciprocity_sql)
    return out


def toolkit_kpis(data: Path) -> dict:
    from toolkit.analyses import alignment, cadence, duplicates, engagement, knowledge, reciprocity
    from toolkit.inputs import config
    from toolkit.inputs.dealer import load_dealer

    d = load_dealer(data)
    out = {}

    records = knowledge.customer_records(d["customers"], d["vehicles"])
    clusters, out["linkage_s"] = timed(lambda: duplicates.duplicate_clusters(records, d["sales"]), repeat=1)

    def knowledge_kpis():  # the linkage has no SQL reference: timed on its own above
        return knowledge.kpis(knowledge.customer_records(d["customers"], d["vehicles"]), clusters)

    def cadence_kpis():
        plan = config.load_plan()
        pairs = cadence.touches_after_sales(d["sales"], d["touches"], cadence.horizon(plan))
        per_sale = cadence.sale_follow_up(d["sales"], pairs, d["appointments"], d["repair_orders"], plan, d.as_of)
        k = cadence.kpis(per_sale, pairs, plan)
        return {**k.pop("step_compliance"), **k}

    def engagement_kpis():
        k = engagement.activity_kpis(d["customers"], d["events"], d.as_of)
        return {
            "engaged_share_90d": k["engaged_share_90d"],
            **{f"events.{t}": n for t, n in k["events_by_type"].items() if n},
        }

    def reciprocity_kpis():
        k = reciprocity.audit(d["touches"], d["campaigns"], d["events"], d["vehicles"], config.load_rules()).kpis
        return {
            n: k[n]
            for n in [
                "give_ask_ratio",
                "ask_only_share",
                "irrelevant_offer_share",
                "engagement_after_give_rate",
                "median_longest_ask_streak",
            ]
        }

    def alignment_kpis():
        k = alignment.kpis(d["survey"])
        return {
            n: k[n]
            for n in [
                "alignment_index",
                "department_gap",
                "strongly_aligned_share",
                "lack_of_alignment_share",
                "respondents",
            ]
        }

    for name, fn in [
        ("customer_knowledge", knowledge_kpis),
        ("sold_follow_up", cadence_kpis),
        ("engagement", engagement_kpis),
        ("reciprocity", reciprocity_kpis),
        ("cx_alignment", alignment_kpis),
    ]:
        out[name] = timed(fn)
    return out


def channel_view(balance, as_of):
    """What the reciprocity notebook's filter view computes for one channel."""
    from toolkit.analyses import reciprocity

    picked = reciprocity.selected(balance, channel="sms", campaign_id="all", staff_id="all")
    return (
        reciprocity.selection_balance(picked),
        reciprocity.kind_by_month(picked, as_of),
        reciprocity.response_by_kind(picked),
    )


def widget_latency(data: Path) -> dict:
    """Seconds for the computation behind one widget change in each playbook."""
    from toolkit.analyses import alignment, cadence, duplicates, engagement, knowledge, reciprocity
    from toolkit.inputs import config
    from toolkit.inputs.dealer import load_dealer

    d = load_dealer(data)
    plan = config.load_plan()
    pairs = cadence.touches_after_sales(d["sales"], d["touches"], cadence.horizon(plan))
    per_sale = cadence.sale_follow_up(d["sales"], pairs, d["appointments"], d["repair_orders"], plan, d.as_of)
    records = knowledge.customer_records(d["customers"], d["vehicles"])
    clusters = duplicates.duplicate_clusters(records, d["sales"])
    balance = reciprocity.audit(d["touches"], d["campaigns"], d["events"], d["vehicles"], config.load_rules()).balance
    statements, _ = config.load_instrument()
    history = engagement.history(d["customers"], d["events"], d["touches"], d["repair_orders"])
    frame = engagement.frame_from(history, d.as_of)
    model = engagement.fit_revenue_model(frame)
    credited = engagement.credited_events(
        d["touches"], d["events"], engagement.named_touches(d["events"], d["touches"])
    )
    alloc = engagement.allocation(model, credited, d["campaigns"])
    changes = {
        "sold_follow_up: salesperson filter": lambda: cadence.compliance_by(
            per_sale[per_sale["salesperson_id"] == "S04"].assign(store="S04"), plan, "store"
        ),
        "sold_follow_up: plan edit": lambda: cadence.compliance_by(
            cadence.plan_steps(per_sale, pairs, plan.iloc[:-1]).assign(store="all"), plan.iloc[:-1], "store"
        ),
        "customer_knowledge: salesperson filter": lambda: knowledge.kpis(
            records[records["salesperson_id"] == "S04"], clusters
        ),
        "reciprocity: channel filter": lambda: channel_view(balance, d.as_of),  # what the notebook's view computes
        "engagement: window slider": lambda: engagement.allocation(  # what the notebook's estimates() does
            engagement.fit_revenue_model(engagement.frame_from(history, d.as_of, 180, 90)), credited, d["campaigns"]
        ),
        "engagement: budget what-if": lambda: engagement.budget_shift(model, alloc, "mail", "email", 1000),
        "cx_alignment: department": lambda: alignment.compare_department(d["survey"], statements, "sales"),
    }
    return {name: timed(fn)[1] for name, fn in changes.items()}


PARTS = ("load", "kpis", "render", "widgets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--stores", type=int, default=10, help="stores of the generated dealer group (default 10)")
    parser.add_argument("--keep", help="keep the generated group in this folder")
    parser.add_argument("--data", help="use this already generated group instead of generating one")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="run only these parts (default: all); results go to a file all the same",
    )
    parser.add_argument("--cache", help="cache folder to use and keep (default: a fresh one, removed at the end)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="group-bench-"))
    cache = args.cache or str(tmp / "cache")
    env = {**os.environ, "DEALER_PLAYBOOKS_CACHE": cache}
    os.environ["DEALER_PLAYBOOKS_CACHE"] = cache
    group = Path(args.data or args.keep or tmp / "group")
    result: dict = {
        "date": str(date.today()),
        "customers": args.customers,
        "stores": args.stores,
        "machine": machine(),
    }
    if not args.data:
        gen, _ = run(
            [
                *(str(BIN / "playbook"), "sample", "--out", str(group), "--customers", str(args.customers)),
                *("--seed", "11", "--stores", str(args.stores)),
            ]
        )
        result["seconds"] = {"generate_csv": gen}
        print(f"generate {gen:.1f}s")
    probe = [str(sys.executable), "-c", f"from toolkit.inputs.dealer import load_dealer; load_dealer({str(group)!r})"]
    if "load" in args.only:
        # three runs of each, taken in turn: the first run of a process that allocates gigabytes
        # is slower on this machine kind (its memory is touched for the first time)
        loads, reads = [], []
        for _ in range(LOAD_RUNS):
            loads.append(run([str(BIN / "playbook"), "validate", str(group)], env))
            reads.append(run([str(sys.executable), "-c", DUCKDB_READ.format(folder=str(group))]))
        load_csv, mem_csv = sorted(s for s, _ in loads)[LOAD_RUNS // 2], max(gb for _, gb in loads)
        duckdb_read = sorted(s for s, _ in reads)[LOAD_RUNS // 2]
        run(probe, env)  # fills the cache
        load_cache, mem_cache = run(probe, env)
        result["load_runs"] = {"load_validate_csv": loads, "duckdb_read_csv": reads}
        result.setdefault("seconds", {}).update(
            load_validate_csv=load_csv, load_from_cache=load_cache, duckdb_read_csv=duckdb_read
        )
        result["peak_gb"] = {"load_validate_csv": mem_csv, "load_from_cache": mem_cache}
        result["load_over_duckdb_read"] = load_csv / duckdb_read
        result["arrow_reader_tables_equal"] = arrow_reader_equal(group)
        print(
            f"load+validate CSV {load_csv:.1f}s (median of {LOAD_RUNS}; peak {mem_csv:.2f} GB) · DuckDB's plain read of the same files "
            f"{duckdb_read:.1f}s (ratio {load_csv / duckdb_read:.1f}, target ≤ 2) · from cache {load_cache:.1f}s "
            f"({mem_cache:.1f} GB) · Arrow reader's tables equal the careful reader's: "
            f"{result['arrow_reader_tables_equal']}"
        )
    else:
        run(probe, env)
    if "kpis" in args.only:
        result["kpis"] = compare_kpis(group)
    if "render" in args.only:
        result["render"], runs = {}, {name: [] for name in PLAYBOOKS}
        for _ in range(RENDER_RUNS):  # in turn, as the loads: a render varies by 10-20% from run to run here
            for name in PLAYBOOKS:
                command = [str(BIN / "playbook"), "render", name, "--data", str(group), "--out", str(tmp / "out")]
                runs[name].append(run(command, env))
        for name in PLAYBOOKS:
            seconds, peak = sorted(s for s, _ in runs[name])[RENDER_RUNS // 2], max(gb for _, gb in runs[name])
            result["render"][name] = {"seconds": seconds, "peak_gb": peak, "runs": runs[name]}
            print(f"render {name:20} {seconds:6.1f}s (median of {RENDER_RUNS})  peak {peak:.1f} GB")
    if "widgets" in args.only:
        from toolkit.resources import sample_dir

        result["widget_s"] = widget_latency(group)
        result["widget_s_sample"] = widget_latency(sample_dir())
        print(f"{'widget change':46} {'sample ms':>10} {'group ms':>10}   (target < 250 ms)")
        for name, s in result["widget_s"].items():
            print(f"{name:46} {result['widget_s_sample'][name] * 1000:10.0f} {s * 1000:10.0f}")
    write_results("group", result)
    shutil.rmtree(tmp, ignore_errors=True)


PLAYBOOKS = ("customer_knowledge", "sold_follow_up", "engagement", "reciprocity", "cx_alignment")


def compare_kpis(group: Path) -> dict:
    """Each playbook's KPIs from the toolkit and from DuckDB, checked equal, with the time ratio."""
    from toolkit.inputs.config import load_rules
    from toolkit.inputs.dealer import load_dealer

    ours = toolkit_kpis(group)
    linkage_s = ours.pop("linkage_s")
    dealer = load_dealer(group)
    validated = Path(tempfile.mkdtemp(prefix="validated-"))
    for name, df in dealer.tables.items():  # the toolkit's validated tables, as Parquet for DuckDB
        df.to_parquet(validated / f"{name}.parquet", index=False)
    ref = duckdb_kpis(validated, load_rules(), dealer.as_of_text)
    shutil.rmtree(validated, ignore_errors=True)
    result = {}
    print(f"\n{'playbook':20} {'toolkit s':>10} {'duckdb s':>9} {'ratio':>6}  equal")
    for name, (values, seconds) in ours.items():
        ref_values, ref_seconds = ref[name]
        unequal = [k for k in values if k not in NO_REFERENCE and not same(values[k], ref_values.get(k))]
        ratio = seconds / ref_seconds
        result[name] = {
            "toolkit_s": seconds,
            "duckdb_s": ref_seconds,
            "ratio": ratio,
            "equal": not unequal,
            "toolkit": values,
            "duckdb": ref_values,
        }
        print(
            f"{name:20} {seconds:10.2f} {ref_seconds:9.2f} {ratio:6.1f}  {not unequal}"
            + ("" if ratio <= TARGET_RATIO else f"   (target ≤ {TARGET_RATIO})")
            + "".join(f"\n    {k}: toolkit {values[k]!r} · duckdb {ref_values.get(k)!r}" for k in unequal)
        )
    result["customer_knowledge: record linkage"] = {"toolkit_s": linkage_s, "duckdb_s": None, "ratio": None}
    print(
        f"{'record linkage':20} {linkage_s:10.2f} {'-':>9} {'-':>6}  (no SQL reference: splink itself runs on DuckDB)"
    )
    return result


NO_REFERENCE = {"duplicate_share"}  # found by the record-linkage model, which has no SQL equivalent


def same(a, b) -> bool:
    """Equal numbers, to floating-point rounding."""
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


if __name__ == "__main__":
    main()
