#!/usr/bin/env python3
# Used by bench/journal.sh and bench/scale.sh: python3 bench/gen_journal.py ENTRIES COMPONENT...
"""Prints ENTRIES synthetic journal entries (export format) for the units bench-COMPONENT.service,
spread evenly over the last 7 days, with mixed priorities; feed it to systemd-journal-remote."""
import sys, time
count, units = int(sys.argv[1]), [f"bench-{name}.service" for name in sys.argv[2:]]
now = int(time.time() * 1_000_000)
span = 7 * 86_400 * 1_000_000
# priority by (index * 7919) % 100: 1% crit, 6% err, 10% warning, 20% notice, rest info/debug
def priority(index):
    bucket = (index * 7919) % 100
    return 2 if bucket < 1 else 3 if bucket < 7 else 4 if bucket < 17 else 5 if bucket < 37 else 6 if bucket < 90 else 7
out = sys.stdout
for index in range(count):
    realtime = now - span + span * index // count
    unit = units[index % len(units)]
    out.write(
        f"__REALTIME_TIMESTAMP={realtime}\n__MONOTONIC_TIMESTAMP={1_000_000 + index}\n"
        f"_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=bench\n_PID={1000 + index % len(units)}\n"
        f"_SYSTEMD_UNIT={unit}\nPRIORITY={priority(index)}\nSYSLOG_IDENTIFIER=python3\n"
        f"MESSAGE=order {index} state changed: filled {index % 97} of 100 at {index % 1000}.25\n\n")
