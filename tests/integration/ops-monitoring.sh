#!/bin/bash
# monitoring/: prometheus.yml scrapes the agent's /metrics and the auth
# service's /auth/metrics through nginx on loopback and the PostgreSQL
# exporter; grafana-dashboard.json is valid JSON whose every PromQL
# metric name is one the services render (fcgi/core/metrics.c, and the
# agent's families in fcgi/agent/agent.c) or one the "Metric names"
# table of docs/operations.md lists, which must list every rendered
# one. When the built services can
# run, the names metrics.c renders are checked against a live /metrics.
. "$(dirname "$0")/ops-lib.sh"

DB=ops_monitoring_$$
OPS_DBS=$DB

t_prometheus() {
	"$PY" - monitoring/prometheus.yml compose.yml <<-'EOF'
	import sys, yaml
	c = yaml.safe_load(open(sys.argv[1]))
	jobs = {j["job_name"]: j for j in c["scrape_configs"]}
	def targets(j):
	    return [t for sc in j["static_configs"] for t in sc["targets"]]
	a, u, p = jobs["dataland-agent"], jobs["dataland-auth"], jobs["dataland-postgres"]
	assert a["metrics_path"] == "/metrics" and a["scheme"] == "https", a
	assert u["metrics_path"] == "/auth/metrics" and u["scheme"] == "https", u
	# nginx answers /metrics to loopback clients only.
	for j in (a, u):
	    assert all(t.startswith("127.0.0.1:") for t in targets(j)), targets(j)
	    for sc in j["static_configs"]:
	        assert "service" not in sc.get("labels", {}), "clashes with the samples' label"
	compose = yaml.safe_load(open(sys.argv[2]))["services"]
	exporter = compose["postgres-exporter"]["container_name"]
	assert targets(p) == [exporter + ":9187"], targets(p)
	prom = compose["prometheus"]
	assert prom["network_mode"] == "service:nginx", prom
	assert any(v.startswith("./monitoring/prometheus.yml:") for v in prom["volumes"])
	EOF
	if command -v promtool >/dev/null 2>&1; then
		promtool check config monitoring/prometheus.yml
	fi
}

t_dashboard() {
	"$PY" - monitoring/grafana-dashboard.json fcgi/core/metrics.c \
	    docs/operations.md fcgi/agent/agent.c <<-'EOF'
	import json, re, sys
	d = json.load(open(sys.argv[1]))
	known = set(re.findall(r'\b(dataland_[a-z_]+)', open(sys.argv[2]).read()))
	# The agent's own families (agent_metrics[]), rendered by metrics.c.
	known |= set(re.findall(r'\{ "(dataland_[a-z_]+)", "',
	                        open(sys.argv[4]).read()))
	assert "dataland_model_duration_seconds" in known, known
	assert "dataland_request_duration_seconds_bucket" in known, known
	# docs/operations.md: the rows of the table under "Metric names".
	doc, listed, on = open(sys.argv[3]).read().splitlines(), set(), False
	for line in doc:
	    if line.startswith("#"):
	        on = "Metric names" in line
	    elif on and line.startswith("| `"):
	        listed.add(re.match(r'\| `([a-zA-Z_:][a-zA-Z0-9_:]*)', line).group(1))
	assert listed, "no 'Metric names' table in docs/operations.md"
	for name in known:
	    if name.endswith(("_bucket", "_sum", "_count")):
	        continue
	    assert name in listed, "%s (rendered) is not documented" % name
	words = {"sum", "by", "rate", "increase", "histogram_quantile", "max",
	         "min", "avg", "without", "on", "ignoring", "group_left",
	         "group_right", "and", "or", "unless", "offset", "bool"}
	panels = [p for p in d["panels"] if p["type"] != "row"]
	assert len(panels) >= 8, len(panels)
	used = set()
	for p in panels:
	    assert p["targets"], p["title"]
	    for t in p["targets"]:
	        e = re.sub(r'"[^"]*"', '""', t["expr"])       # label values
	        e = re.sub(r'\$\w+', '', e)                     # dashboard variables
	        e = re.sub(r'\{[^}]*\}', '', e)                 # matchers
	        e = re.sub(r'\b(by|without|on|ignoring)\s*\([^)]*\)', '', e)
	        e = re.sub(r'\[[^\]]*\]', '', e)                # ranges
	        for w in re.findall(r'[a-zA-Z_:][a-zA-Z0-9_:]*', e):
	            if w in words:
	                continue
	            used.add(w)
	            base = re.sub(r'_(bucket|sum|count)$', '', w)
	            assert w in known or w in listed or base in listed, \
	                "%s: metric %s is neither in metrics.c nor documented" % (p["title"], w)
	for must in ("dataland_requests_total", "dataland_request_duration_seconds_bucket",
	             "dataland_runs_total", "dataland_model_duration_seconds_bucket",
	             "dataland_tokens_total", "dataland_db_errors_total",
	             "dataland_worker_restarts_total"):
	    assert must in used, "the dashboard does not use %s" % must
	assert any("histogram_quantile" in t["expr"] for p in panels for t in p["targets"])
	EOF
}

# The names metrics.c renders are what a running agent serves (on a
# migrated database of the test cluster when there is one).
t_live_metrics() {
	local sock=$T/agent.sock pid i url=postgresql://svc:x@127.0.0.1:1/none
	command -v cgi-fcgi >/dev/null || fail "no cgi-fcgi (libfcgi-bin)"
	[ -x "$BUILD/bin/dataland-agent" ] || fail "no '$BUILD/bin/dataland-agent'"
	if [ -n "${TEST_PG_URL:-}" ]; then
		pg_create "$DB"
		url=$(pg_url "$DB")
		DATABASE_URL=$url "$DATALAND_BIN" migrate up >/dev/null
	fi
	env -i PATH="$PATH" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
	    DATABASE_URL="$url" AGENT_WORKERS=1 \
	    AUTH_WORKERS=1 PG_MAX_CONNECTIONS=100 AGENT_SOCKET="$sock" \
	    AGENT_LONG_SOCKET="$sock.long" AGENT_LONG_WORKERS=1 \
	    AUTH_DATA_DIR="$T/auth" "$BUILD/bin/dataland-agent" \
	    >"$T/agent.log" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	REQUEST_METHOD=GET DOCUMENT_URI=/healthz cgi-fcgi -bind -connect "$sock" |
	    grep -q '^Status: 200' || { kill "$pid"; cat "$T/agent.log"; fail "no /healthz"; }
	REQUEST_METHOD=GET DOCUMENT_URI=/metrics cgi-fcgi -bind -connect "$sock" >"$T/metrics"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	for m in dataland_requests_total dataland_request_duration_seconds_bucket \
	    dataland_db_errors_total dataland_worker_restarts_total dataland_workers; do
		grep -q "^$m{service=\"agent\"" "$T/metrics" || fail "no $m in /metrics"
	done
}

check "prometheus-scrapes-both-services-through-nginx-and-the-exporter" t_prometheus
check "grafana-dashboard-uses-only-known-metric-names" t_dashboard
check "agent-serves-the-metric-names-the-dashboard-uses" t_live_metrics
ops_finish
