"""Parses Prometheus text exposition on stdin with the Prometheus project's own Python parser
(Debian's python3-prometheus-client) and prints one sample per line: name, labels sorted, value.
A line the format does not allow makes the parser raise, and this script exit non-zero."""
import sys
from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
for family in text_string_to_metric_families(text):
    if family.documentation == "":
        sys.exit("no HELP for " + family.name)
    if family.type not in ("gauge", "counter"):
        sys.exit("no TYPE for " + family.name)
    for s in family.samples:
        labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
        print("%s{%s} %r" % (s.name, labels, s.value))
