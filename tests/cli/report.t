The report of `backorder` (issue 14), on a SQLite store: the shop of
tests/test_report.c, its figures computed by hand there. bolt: 5 in stock,
A takes 3, B 4 (2 wait); gear (lead time 2 days): B 2, C 3 (1 cancelled)
wait; nut: C 1 waits. On day 2, 2 bolt and 2 gear arrive and fill B's
lines after 2 days 3 hours; gear gets supply of 1.

  $ command backorder replay --store "$BACKORDER_STORE" <<'END'
  > at 2026-01-01T09:00:00Z
  > item bolt
  > item gear lead_time=2
  > item nut
  > receive bolt 5
  > place A price:bolt=100 bolt:3
  > place B price:bolt=100 price:gear=500 bolt:4 gear:2
  > at 2026-01-02T10:00:00Z
  > place C price:nut=250 gear:3 nut:1
  > cancel C gear 1
  > at 2026-01-03T12:00:00Z
  > receive bolt 2
  > receive gear 2
  > incoming gear po-9 1 2026-01-21T00:00:00Z
  > END
  $ backorder() { command backorder --at 2026-01-06T00:00:00Z "$@"; }

CSV: the header of the issue, a row per item by SKU; fill rate with three
decimals, the oldest wait empty where nothing waits.

  $ backorder report --format csv
  sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,revenue_held,oldest_wait_days,fill_rate,late_lines
  bolt,7,7,0,0,0,0,0,0,,0.714,0
  gear,2,2,0,2,1,1,1,0,3,0.000,1
  nut,0,0,0,1,1,0,1,250,3,0.000,0

Text: most in need first (nut holds revenue, gear is late), with the advice.

  $ backorder report
  Backorder report at 2026-01-06T00:00:00Z; period: all history
  3 items; 3 units wait in 2 lines (1 late); 2 units short; revenue held 250; fill rate 0.385
  
  SKU   SHORTFALL  ON_HAND  ALLOCATED  AVAILABLE  BACKORDERED  LINES  INCOMING  REVENUE_HELD  OLDEST_DAYS  FILL_RATE  LATE
  nut           1        0          0          0            1      1         0           250            3      0.000     0
  gear          1        2          2          0            2      1         1             0            3      0.000     1
  bolt          0        7          7          0            0      0         0             0            -      0.714     0
  
  Restock advice (most in need first):
    nut: order 1 now
    gear: order 1 now
  
  Period (all history), items with demand or filled lines:
  SKU    ORDERED  BACKORDERED  CANCELLED  FILLED_LINES  AVG_WAIT_DAYS  P90_WAIT_DAYS
  bolt         7            2          0             1            2.1            2.1
  gear         5            5          1             1            2.1            2.1
  nut          1            1          0             0              -              -
  (all)       13            8          1             2            2.1            2.1

The period from day 2 on: bolt ordered nothing then, but a line was filled.

  $ backorder report --since 2026-01-02T15:00:00Z | sed -n '/^Period/,$p'
  Period (from 2026-01-02), items with demand or filled lines:
  SKU    ORDERED  BACKORDERED  CANCELLED  FILLED_LINES  AVG_WAIT_DAYS  P90_WAIT_DAYS
  bolt         0            0          0             1            2.1            2.1
  gear         3            3          1             1            2.1            2.1
  nut          1            1          0             0              -              -
  (all)        4            4          1             2            2.1            2.1

JSON: one document (--json is --format json), with the period and the
daily series.

  $ backorder report --json | python3 -c '
  > import json, sys
  > d = json.load(sys.stdin)
  > g = d["items"][1]
  > print(d["now"], d["since"], d["history"], d["totals"]["shortfall"], d["totals"]["fill_rate"])
  > print(g["sku"], g["need_rank"], g["shortfall"], g["late_lines"], g["oldest_wait_days"], g["ageing"]["3d_7d"])
  > print(g["period"])
  > print([(x["day"], x["ordered"], x["cancelled"], x["filled_lines"]) for x in g["days"]])'
  2026-01-06T00:00:00Z None True 2 0.385
  gear 2 1 1 3 1
  {'ordered': 5, 'backordered': 5, 'cancelled': 1, 'filled_lines': 1, 'wait_avg_seconds': 183600, 'wait_avg_days': 2.1, 'wait_p90_seconds': 183600, 'wait_p90_days': 2.1}
  [('2026-01-01', 2, 0, 0), ('2026-01-02', 3, 1, 0), ('2026-01-03', 0, 0, 1)]

HTML: one page, no script, the advice first.

  $ backorder report --format html > report.html && head -c 16 report.html && grep -c '<script' report.html
  <!DOCTYPE html>
  0
  [1]
  $ grep -o 'order [0-9]* now' report.html
  order 1 now
  order 1 now

replay --report: the same report after a trace on any store (here memory).

  $ printf 'at 2026-01-01T09:00:00Z\nitem cup\nplace X cup:2\nat 2026-01-04T09:00:00Z\n' | command backorder replay --report csv
  sku,on_hand,allocated,available,backordered,waiting_lines,incoming,shortfall,revenue_held,oldest_wait_days,fill_rate,late_lines
  cup,0,0,0,2,1,0,2,0,3,0.000,0

Usage errors.

  $ backorder report --format pdf
  backorder: report: --format wants text, csv, json or html, not 'pdf'
  usage: backorder [--store STORE] [--at TIME] [--json] report [--format text|csv|json|html] [--since TIME]
  [64]
  $ backorder report --since yesterday
  backorder: report: --since wants a TIME (YYYY-MM-DDTHH:MM:SSZ, UTC), not 'yesterday'
  usage: backorder [--store STORE] [--at TIME] [--json] report [--format text|csv|json|html] [--since TIME]
  [64]
  $ command backorder replay --since 2026-01-01T00:00:00Z /dev/null
  backorder: replay: --since goes with --report
  usage: backorder replay [--store memory|sqlite:PATH|postgres:CONNINFO] [--dump] [--events]
                          [--stop-on-error] [--batch N] [--report FORMAT [--since TIME]] [FILE|-]
         backorder --help | --version
  [2]
