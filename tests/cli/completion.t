Bash completion of backorder (tools/completion/backorder): `complete`
below plays bash's part, with the default word breaks, and prints what
would be offered.

  $ source "$SRCDIR/tools/completion/backorder"
  $ complete -p backorder
  complete -F _backorder backorder
  $ COMP_WORDBREAKS=$' \t\n"'"'"'><=;|&(:'
  $ complete() { COMP_LINE="backorder $1"; COMP_POINT=${#COMP_LINE}; _backorder; [ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"; }

Commands, then what each takes.

  $ complete ''
  item
  receive
  adjust
  incoming
  place
  cancel
  modify
  ship
  subscribe
  at
  location
  show
  waiting
  items
  orders
  supply
  locations
  report
  events
  dump
  replay
  help
  $ complete 'report --format '
  text
  csv
  json
  html
  $ complete 'report --'
  --store
  --at
  --help
  --json
  --format
  --since
  $ complete 'sh'
  ship
  show
  $ complete 'show '
  item
  order
  $ complete 'show item NECKLACE '
  $ complete 'item NECKLACE '
  backorder=
  max_backorder=
  lead_time=
  policy=
  release_at=
  preorder_max=
  $ complete 'item NECKLACE pol'
  policy=
  $ complete 'item NECKLACE policy=f'
  fifo
  fair
  $ complete 'item NECKLACE backorder='
  deny
  allow
  $ complete 'place A-1 '
  priority=
  due=
  complete
  price:
  $ complete 'receive NECKLACE 2 '
  supply=
  location=
  $ complete 'ship A-1 NECKLACE loc'
  location=
  $ complete 'location shop '
  rank=
  $ complete 'ship --lo'
  --location
  $ complete 'receive NECKLACE 2 --location '
  main

Options: those of the command at hand.

  $ complete '--'
  --store
  --at
  --help
  --json
  --quiet
  --version
  $ complete 'orders --'
  --store
  --at
  --help
  --json
  --waiting
  $ complete 'events --f'
  --follow
  $ complete 'waiting --'
  --store
  --at
  --help
  --json
  $ complete 'replay --s'
  --store
  --stop-on-error
  --since

Store kinds, and files after `sqlite:` (bash is handed only what follows
the colon).

  $ complete '--store '
  memory
  sqlite:
  postgres:
  $ complete '--store sq'
  sqlite:
  $ complete 'items --store=m'
  memory
  $ mkdir shops && touch shops/north.db shops/south.db
  $ complete '--store sqlite:sho'
  shops/
  $ complete 'items --store sqlite:shops/n'
  shops/north.db

