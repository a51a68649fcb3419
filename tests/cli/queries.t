The queries of `backorder` on a SQLite store: aligned text for people, one
JSON document with --json. The shop is set up with `backorder replay`.

  $ backorder() { command backorder --at "$NOW" "$@"; }
  $ pick() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(" ".join(k + "=" + json.dumps(d[k]) for k in sys.argv[1:]))' "$@"; }
  $ command backorder replay --store "$BACKORDER_STORE" <<'END'
  > at 2026-03-02T09:00:00Z
  > item NECKLACE lead_time=30
  > item RING backorder=deny
  > item PENDANT release_at=2026-05-01T00:00:00Z preorder_max=10
  > receive RING 4
  > incoming NECKLACE PO-7 2 2026-03-20T00:00:00Z
  > incoming NECKLACE PO-8 1 2026-04-10T00:00:00Z
  > place A-101 price:NECKLACE=18900 NECKLACE:1 RING:1
  > place A-102 NECKLACE:2
  > place A-103 priority=5 due=2026-05-15T00:00:00Z complete NECKLACE:1 PENDANT:2
  > place A-104 price:NECKLACE=17500 NECKLACE:1
  > place A-105 RING:2
  > ship A-105
  > END

Three weeks on, PO-7 has not come: A-101's promise (PO-7's date) has passed,
so its line is late.

  $ NOW=2026-03-25T12:00:00Z

show item: every figure of an item, then its supply.

  $ backorder show item NECKLACE
  sku               NECKLACE
  policy            fifo
  backorder         allow
  max_backorder     -
  lead_time         30 days
  release_at        -
  preorder_max      -
  in_preorder       no
  on_hand           0
  allocated         0
  available         0
  backordered       5
  waiting_lines     4
  late_lines        1
  oldest_wait       2026-03-02T09:00:00Z
  incoming          3
  demand            5
  filled_at_once    0 (0%)
  shipped           0
  cancelled         0
  revenue_held      36400
  subscribers       0
  
  SUPPLY  QTY  EXPECTED              OVERDUE
  PO-7      2  2026-03-20T00:00:00Z  yes
  PO-8      1  2026-04-10T00:00:00Z  no
  $ backorder show item PENDANT --json
  {
    "now": "2026-03-25T12:00:00Z",
    "sku": "PENDANT",
    "policy": "fifo",
    "backorder": "allow",
    "max_backorder": null,
    "lead_time_seconds": null,
    "release_at": "2026-05-01T00:00:00Z",
    "preorder_max": 10,
    "in_preorder": true,
    "on_hand": 0,
    "allocated": 0,
    "available": 0,
    "backordered": 2,
    "waiting_lines": 1,
    "late_lines": 0,
    "oldest_wait": "2026-03-02T09:00:00Z",
    "incoming": 0,
    "demand": 2,
    "filled_at_once": 0,
    "shipped": 0,
    "cancelled": 0,
    "revenue_held": 0,
    "subscribers": 0,
    "supply": []
  }

show order: the order, then one row per line with its ETA and whether it is late.

  $ backorder show order A-101
  order             A-101
  state             waiting
  created           2026-03-02T09:00:00Z
  priority          0
  due               -
  ship_mode         partial
  late_lines        1
  eta               2026-03-20T00:00:00Z
  
  SKU       ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  PRICE  ETA                   LATE
  NECKLACE        1          0            1        0          0  18900  2026-03-20T00:00:00Z  yes
  RING            1          1            0        0          0      -  -                     -
  $ backorder show order A-103 --json
  {
    "now": "2026-03-25T12:00:00Z",
    "order": "A-103",
    "state": "waiting",
    "created": "2026-03-02T09:00:00Z",
    "priority": 5,
    "due": "2026-05-15T00:00:00Z",
    "ship_mode": "complete",
    "ordered": 3,
    "allocated": 0,
    "backordered": 3,
    "shipped": 0,
    "cancelled": 0,
    "late_lines": 0,
    "eta": null,
    "lines": [
      {
        "sku": "NECKLACE",
        "ordered": 1,
        "allocated": 0,
        "backordered": 1,
        "shipped": 0,
        "cancelled": 0,
        "unit_price": null,
        "eta": "2026-04-01T09:00:00Z",
        "late": false,
        "queue_time": "2026-03-02T09:00:00Z"
      },
      {
        "sku": "PENDANT",
        "ordered": 2,
        "allocated": 0,
        "backordered": 2,
        "shipped": 0,
        "cancelled": 0,
        "unit_price": null,
        "eta": null,
        "late": false,
        "queue_time": "2026-03-02T09:00:00Z"
      }
    ]
  }

waiting: the queue in order, with the units ahead of each line.

  $ backorder waiting NECKLACE
  POS  ORDER  UNITS  AHEAD  ETA                   LATE  QUEUED
    1  A-101      1      0  2026-03-20T00:00:00Z  yes   2026-03-02T09:00:00Z
    2  A-102      2      1  2026-04-10T00:00:00Z  no    2026-03-02T09:00:00Z
    3  A-103      1      3  2026-04-01T09:00:00Z  no    2026-03-02T09:00:00Z
    4  A-104      1      4  2026-04-01T09:00:00Z  no    2026-03-02T09:00:00Z
  $ backorder waiting NECKLACE --json
  {
    "now": "2026-03-25T12:00:00Z",
    "sku": "NECKLACE",
    "lines": [
      {
        "position": 1,
        "order": "A-101",
        "backordered": 1,
        "units_ahead": 0,
        "eta": "2026-03-20T00:00:00Z",
        "late": true,
        "queue_time": "2026-03-02T09:00:00Z"
      },
      {
        "position": 2,
        "order": "A-102",
        "backordered": 2,
        "units_ahead": 1,
        "eta": "2026-04-10T00:00:00Z",
        "late": false,
        "queue_time": "2026-03-02T09:00:00Z"
      },
      {
        "position": 3,
        "order": "A-103",
        "backordered": 1,
        "units_ahead": 3,
        "eta": "2026-04-01T09:00:00Z",
        "late": false,
        "queue_time": "2026-03-02T09:00:00Z"
      },
      {
        "position": 4,
        "order": "A-104",
        "backordered": 1,
        "units_ahead": 4,
        "eta": "2026-04-01T09:00:00Z",
        "late": false,
        "queue_time": "2026-03-02T09:00:00Z"
      }
    ]
  }
  $ backorder waiting RING
  POS  ORDER  UNITS  AHEAD  ETA  LATE  QUEUED
  $ backorder waiting RING --json
  {
    "now": "2026-03-25T12:00:00Z",
    "sku": "RING",
    "lines": []
  }

items and orders: one row each.

  $ backorder items
  SKU       ON_HAND  ALLOCATED  AVAILABLE  BACKORDERED  LINES  LATE  INCOMING  POLICY  BACKORDER
  NECKLACE        0          0          0            5      4     1         3  fifo    allow
  PENDANT         0          0          0            2      1     0         0  fifo    allow
  RING            2          1          1            0      0     0         0  fifo    deny
  $ backorder items --json | pick now
  now="2026-03-25T12:00:00Z"
  $ backorder items --json | python3 -c 'import json, sys; [print(i["sku"], i["backordered"], i["late_lines"], i["in_preorder"]) for i in json.load(sys.stdin)["items"]]'
  NECKLACE 5 1 False
  PENDANT 2 0 True
  RING 0 0 False
  $ backorder orders
  ORDER  STATE    PRIORITY  LINES  ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  LATE  ETA                   CREATED
  A-101  waiting         0      2        2          1            1        0          0     1  2026-03-20T00:00:00Z  2026-03-02T09:00:00Z
  A-102  waiting         0      1        2          0            2        0          0     0  2026-04-10T00:00:00Z  2026-03-02T09:00:00Z
  A-103  waiting         5      2        3          0            3        0          0     0  -                     2026-03-02T09:00:00Z
  A-104  waiting         0      1        1          0            1        0          0     0  2026-04-01T09:00:00Z  2026-03-02T09:00:00Z
  A-105  closed          0      1        2          0            0        2          0     0  -                     2026-03-02T09:00:00Z
  $ backorder orders --waiting
  ORDER  STATE    PRIORITY  LINES  ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  LATE  ETA                   CREATED
  A-101  waiting         0      2        2          1            1        0          0     1  2026-03-20T00:00:00Z  2026-03-02T09:00:00Z
  A-102  waiting         0      1        2          0            2        0          0     0  2026-04-10T00:00:00Z  2026-03-02T09:00:00Z
  A-103  waiting         5      2        3          0            3        0          0     0  -                     2026-03-02T09:00:00Z
  A-104  waiting         0      1        1          0            1        0          0     0  2026-04-01T09:00:00Z  2026-03-02T09:00:00Z
  $ backorder orders --waiting --json | python3 -c 'import json, sys; [print(o["order"], o["state"], o["eta"], o["late_lines"], len(o["lines"])) for o in json.load(sys.stdin)["orders"]]'
  A-101 waiting 2026-03-20T00:00:00Z 1 2
  A-102 waiting 2026-04-10T00:00:00Z 0 1
  A-103 waiting None 0 2
  A-104 waiting 2026-04-01T09:00:00Z 0 1

supply: every open supply record, or one item's.

  $ backorder supply
  SKU       SUPPLY  QTY  EXPECTED              OVERDUE
  NECKLACE  PO-7      2  2026-03-20T00:00:00Z  yes
  NECKLACE  PO-8      1  2026-04-10T00:00:00Z  no
  $ backorder supply NECKLACE --json
  {
    "now": "2026-03-25T12:00:00Z",
    "supply": [
      {
        "sku": "NECKLACE",
        "id": "PO-7",
        "qty": 2,
        "expected": "2026-03-20T00:00:00Z",
        "overdue": true
      },
      {
        "sku": "NECKLACE",
        "id": "PO-8",
        "qty": 1,
        "expected": "2026-04-10T00:00:00Z",
        "overdue": false
      }
    ]
  }
  $ backorder supply RING
  SKU  SUPPLY  QTY  EXPECTED  OVERDUE

A query on a store that has nothing yet prints its headers.

  $ backorder --store sqlite:$TMPDIR/empty.db item X --quiet
  $ backorder --store sqlite:$TMPDIR/empty.db orders
  ORDER  STATE  PRIORITY  LINES  ORDERED  ALLOCATED  BACKORDERED  SHIPPED  CANCELLED  LATE  ETA  CREATED
  $ backorder --store sqlite:$TMPDIR/empty.db orders --json
  {
    "now": "2026-03-25T12:00:00Z",
    "orders": []
  }

Errors: unknown things exit 13; arguments a query cannot use exit 64; a
query never creates a store, so a path that does not exist exits 17.

  $ backorder show item NOPE
  backorder: show: item: not_found: no item 'NOPE'
  [13]
  $ backorder show order NOPE --json
  backorder: show: order: not_found: no order 'NOPE'
  [13]
  $ backorder waiting NOPE
  backorder: waiting: not_found: no item 'NOPE'
  [13]
  $ backorder supply NOPE
  backorder: supply: not_found: no item 'NOPE'
  [13]
  $ backorder show customer X
  backorder: show: wants `item SKU` or `order ORDER`
  usage: backorder [--store STORE] [--at TIME] [--json] show item SKU | order ORDER
  [64]
  $ backorder show item
  backorder: show: wants `item SKU` or `order ORDER`
  usage: backorder [--store STORE] [--at TIME] [--json] show item SKU | order ORDER
  [64]
  $ backorder waiting
  backorder: waiting: wants one SKU
  usage: backorder [--store STORE] [--at TIME] [--json] waiting SKU
  [64]
  $ backorder items NECKLACE
  backorder: items: takes no arguments
  usage: backorder [--store STORE] [--at TIME] [--json] items
  [64]
  $ backorder orders --follow
  backorder: orders: --follow is not an option of this command
  usage: backorder [--store STORE] [--at TIME] [--json] orders [--waiting]
  [64]
  $ backorder --store sqlite:$TMPDIR/typo.db items
  backorder: items: storage: cannot open store 'sqlite:[^']*/typo\.db': No such file or directory \(only operations create a store\) (re)
  [17]
  $ ls $TMPDIR/typo.db
  ls: cannot access '.*/typo\.db': No such file or directory (re)
  [2]
