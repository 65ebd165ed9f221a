#!/bin/bash
# compose.yml and the Dockerfile, without a Docker engine: docker-compose
# renders the file with a .env, with the environment alone, and refuses
# without DATABASE_URL; the postgres service is key for key the one
# ORIGINAL-postgres.txt gives; no port is published on every interface;
# every service is on dataland-network behind health conditions; the
# nginx entrypoint renders the rate limits with scripts/nginx-limits.sh; the
# images are multi-stage Debian builds that run the services unprivileged.
. "$(dirname "$0")/ops-lib.sh"

ROTATED=postgresql+asyncpg://dataland_app:0f9a@dataland-postgres:5432/dataland
GUARD_MSG="DATABASE_URL must be set in .env with per-environment unique credentials"

# render OUT [VAR=value...]: docker-compose config in a clean
# environment holding only the given variables, no .env.
render() {
	local out=$1
	shift
	: >"$T/empty.env"
	env -i PATH="$PATH" HOME="$T" "$@" \
	    docker-compose --env-file "$T/empty.env" -f compose.yml config >"$out"
}

# py SCRIPT ARGS...: a python3 check; yaml is python3-yaml.
py() {
	"$PY" - "$@"
}

t_renders_with_env_file() {
	printf '%s\n' "DATABASE_URL=$ROTATED" "POSTGRES_USER=dataland_app" \
	    "POSTGRES_PASSWORD=0f9a" "AGENT_RETENTION_DAYS=90" >"$T/prod.env"
	env -i PATH="$PATH" HOME="$T" docker-compose --env-file "$T/prod.env" \
	    -f compose.yml config >"$T/with-env.yml"
	py "$T/with-env.yml" "$ROTATED" <<-'EOF'
	import sys, yaml
	s = yaml.safe_load(open(sys.argv[1]))["services"]
	for name in ("agent", "auth", "migrate", "retention"):
	    env = s[name]["environment"]
	    assert env["DATABASE_URL"] == sys.argv[2], (name, env["DATABASE_URL"])
	    assert env["APP_ENV"] == "production", name
	assert s["retention"]["environment"]["AGENT_RETENTION_DAYS"] == "90"
	assert s["postgres"]["environment"]["POSTGRES_USER"] == "dataland_app"
	assert s["backup"]["environment"]["DATABASE_URL"] == sys.argv[2]
	EOF
}

# Every setting conf.c reads is documented and passed by compose; an
# empty value is the same as unset (conf.c), so compose may pass all.
t_every_setting_documented_and_passed() {
	local v n=0 rc=0
	for v in $(sed -n 's/^[[:space:]]*{ "\([A-Z][A-Z_]*\)", K_.*/\1/p' \
	    fcgi/core/conf.c); do
		n=$((n + 1))
		grep -q "\`$v\`" docs/operations.md ||
		    fail "$v is not in docs/operations.md" || rc=1
		grep -q "^  $v: " compose.yml ||
		    fail "$v is not in compose.yml's x-dataland-env" || rc=1
	done
	[ "$n" -ge 20 ] || fail "only $n settings found in conf.c" || rc=1
	return $rc
}

t_renders_from_environment() {
	render "$T/no-env.yml" DATABASE_URL="$ROTATED"
	grep -q "DATABASE_URL: $ROTATED" "$T/no-env.yml"
}

t_refuses_without_database_url() {
	refute render "$T/none.yml" POSTGRES_PASSWORD=x 2>"$T/err"
	grep -q "$GUARD_MSG" "$T/err"
	refute render "$T/none.yml" DATABASE_URL= 2>"$T/err"
	grep -q "$GUARD_MSG" "$T/err"
	# The agent's line is the :? form itself, word for word.
	grep -qF 'DATABASE_URL: ${DATABASE_URL:?DATABASE_URL must be set in .env with per-environment unique credentials}' compose.yml
}

# The postgres service of ORIGINAL-postgres.txt, key for key, as written
# (before interpolation) and as rendered with defaults and with values.
t_postgres_is_the_original() {
	render "$T/defaults.yml" DATABASE_URL="$ROTATED"
	render "$T/custom.yml" DATABASE_URL="$ROTATED" POSTGRES_USER=alice \
	    POSTGRES_PASSWORD=s3cret POSTGRES_DB=museum POSTGRES_PORT=6543 \
	    POSTGRES_PUBLIC_BIND=100.64.0.9
	py compose.yml "$T/defaults.yml" "$T/custom.yml" <<-'EOF'
	import sys, yaml
	SEED = {
	    "image": "postgres:16-alpine",
	    "container_name": "dataland-postgres",
	    "mem_limit": "1g",
	    "mem_reservation": "256m",
	    "cpus": 1.0,
	    "command": ["postgres", "-c", "shared_buffers=256MB", "-c",
	                "work_mem=8MB", "-c", "effective_cache_size=512MB",
	                "-c", "max_connections=100"],
	    "environment": {
	        "POSTGRES_USER": "${POSTGRES_USER:-dataland}",
	        "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:-dataland}",
	        "POSTGRES_DB": "${POSTGRES_DB:-dataland}",
	    },
	    "volumes": ["postgres-data:/var/lib/postgresql/data"],
	    "ports": [
	        "127.0.0.1:${POSTGRES_PORT:-5432}:5432",
	        "${POSTGRES_PUBLIC_BIND:-100.124.170.43}:${POSTGRES_PORT:-5432}:5432",
	    ],
	    "healthcheck": {
	        "test": ["CMD-SHELL", "pg_isready -U ${POSTGRES_USER:-dataland} -d ${POSTGRES_DB:-dataland}"],
	        "interval": "10s", "timeout": "5s", "retries": 5,
	        "start_period": "10s",
	    },
	}
	EXTRA = {"restart", "networks"}
	raw = yaml.safe_load(open(sys.argv[1]))["services"]["postgres"]
	for k, v in SEED.items():
	    assert k in raw, "missing key %s" % k
	    assert raw[k] == v, "%s: want %r, got %r" % (k, v, raw[k])
	    assert type(raw[k]) is type(v), "%s: type %s" % (k, type(raw[k]))
	extra = set(raw) - set(SEED) - EXTRA
	assert not extra, "keys the original does not have: %s" % extra
	assert "dataland-network" in raw["networks"]

	def rendered(path, user, pw, db, port, bind):
	    p = yaml.safe_load(open(path))["services"]["postgres"]
	    assert p["image"] == "postgres:16-alpine"
	    assert p["container_name"] == "dataland-postgres"
	    assert p["mem_limit"] in ("1g", 1073741824), p["mem_limit"]
	    assert p["mem_reservation"] in ("256m", 268435456), p["mem_reservation"]
	    assert float(p["cpus"]) == 1.0
	    assert p["command"] == SEED["command"], p["command"]
	    assert p["environment"] == {"POSTGRES_USER": user,
	        "POSTGRES_PASSWORD": pw, "POSTGRES_DB": db}, p["environment"]
	    assert p["volumes"] in (["postgres-data:/var/lib/postgresql/data"],
	        ["postgres-data:/var/lib/postgresql/data:rw"]), p["volumes"]
	    ports = [x.split("/")[0] if isinstance(x, str) else
	             "%s:%s:%s" % (x["host_ip"], x["published"], x["target"])
	             for x in p["ports"]]
	    assert ports == ["127.0.0.1:%s:5432" % port,
	                     "%s:%s:5432" % (bind, port)], ports
	    hc = p["healthcheck"]
	    assert hc["test"] == ["CMD-SHELL",
	        "pg_isready -U %s -d %s" % (user, db)], hc["test"]
	    assert (hc["interval"], hc["timeout"], hc["retries"],
	            hc["start_period"]) == ("10s", "5s", 5, "10s"), hc

	rendered(sys.argv[2], "dataland", "dataland", "dataland", "5432",
	         "100.124.170.43")
	rendered(sys.argv[3], "alice", "s3cret", "museum", "6543", "100.64.0.9")
	EOF
}

# No published port on every interface: as written, each names
# 127.0.0.1 or a ${X_PUBLIC_BIND:-address}; as rendered, each has a
# host address that is neither a wildcard nor missing.
t_ports_never_all_interfaces() {
	render "$T/defaults.yml" DATABASE_URL="$ROTATED"
	py compose.yml "$T/defaults.yml" <<-'EOF'
	import re, sys, yaml
	raw = yaml.safe_load(open(sys.argv[1]))["services"]
	bind = re.compile(r'^(127\.0\.0\.1|\$\{[A-Z_]+_PUBLIC_BIND:-'
	                  r'(?!0\.0\.0\.0)[0-9a-fA-F.:]+\}):'
	                  r'(\$\{[A-Z_]+:-[0-9]+\}|[0-9]+):[0-9]+$')
	seen = 0
	for name, svc in raw.items():
	    for p in svc.get("ports", []):
	        seen += 1
	        assert isinstance(p, str) and bind.match(p), \
	            "%s: port %r is not loopback or *_PUBLIC_BIND" % (name, p)
	        assert "0.0.0.0" not in p and "::" not in p, (name, p)
	    assert "expose" not in svc or not svc["expose"], name
	    assert svc.get("network_mode") != "host", name
	assert seen >= 5, "only %d published ports found" % seen
	for name, svc in yaml.safe_load(open(sys.argv[2]))["services"].items():
	    for p in svc.get("ports", []):
	        if isinstance(p, dict):
	            ip = p.get("host_ip", "")
	        else:
	            parts = p.split("/")[0].split(":")
	            assert len(parts) == 3, "%s: %r publishes on every interface" % (name, p)
	            ip = parts[0]
	        assert ip and ip not in ("0.0.0.0", "::", "[::]"), (name, p)
	EOF
	# A bare publish, the thing this test forbids, is recognised.
	sed 's/"127.0.0.1:${POSTGRES_PORT:-5432}:5432"/"5432:5432"/' compose.yml >"$T/bad.yml"
	refute py "$T/bad.yml" "$T/defaults.yml" 2>/dev/null <<-'EOF'
	import re, sys, yaml
	for name, svc in yaml.safe_load(open(sys.argv[1]))["services"].items():
	    for p in svc.get("ports", []):
	        assert re.match(r'^(127\.0\.0\.1|\$\{[A-Z_]+_PUBLIC_BIND:-[0-9.]+\}):', p), p
	EOF
}

t_network_and_health() {
	render "$T/defaults.yml" DATABASE_URL="$ROTATED"
	py "$T/defaults.yml" <<-'EOF'
	import sys, yaml
	c = yaml.safe_load(open(sys.argv[1]))
	s = c["services"]
	net = c["networks"]["dataland-network"]
	assert net.get("driver", "bridge") == "bridge" and net["name"] == "dataland-network", net
	for name, svc in s.items():
	    nm = svc.get("network_mode", "")
	    assert "dataland-network" in svc.get("networks", {}) or \
	        nm.startswith("service:"), "%s is not on dataland-network" % name
	for name in ("postgres", "agent", "auth", "nginx"):
	    hc = s[name].get("healthcheck")
	    assert hc and hc["test"] and not hc.get("disable"), "%s: no healthcheck" % name
	def cond(svc, dep):
	    return s[svc]["depends_on"][dep]["condition"]
	assert cond("migrate", "postgres") == "service_healthy"
	assert cond("agent", "migrate") == "service_completed_successfully"
	assert cond("auth", "migrate") == "service_completed_successfully"
	assert cond("agent", "auth") == "service_healthy"
	assert cond("nginx", "agent") == "service_healthy"
	assert cond("nginx", "auth") == "service_healthy"
	assert cond("postgres-exporter", "postgres") == "service_healthy"
	assert cond("retention", "migrate") == "service_completed_successfully"
	assert s["migrate"]["command"] == ["dataland", "migrate", "up"]
	assert s["postgres-exporter"]["container_name"] == "dataland-postgres-exporter"
	for name in ("agent", "auth"):
	    b = s[name]["build"]
	    assert b["target"] == "runtime", b
	    assert s[name]["image"] == "dataland/agent:latest"
	    assert "cgi-fcgi" in " ".join(s[name]["healthcheck"]["test"])
	assert s["auth"]["environment"]["AUTH_DATA_DIR"] == "/var/lib/dataland"
	assert "auth-data:/var/lib/dataland:rw" in s["auth"]["volumes"], s["auth"]["volumes"]
	assert "https://127.0.0.1/healthz" in s["nginx"]["healthcheck"]["test"]
	assert "dataland retention-sweep" in " ".join(s["retention"]["command"])
	for v in ("postgres-data", "auth-data"):
	    assert v in c["volumes"], v
	EOF
}

# The nginx entrypoint, run with its paths moved to temporary
# directories: the production files are put in place and the rate
# limits rendered by scripts/nginx-limits.sh from the settings; a bad
# setting stops it before nginx would start.
t_nginx_templates() {
	render "$T/defaults.yml" DATABASE_URL="$ROTATED"
	render "$T/rates.yml" DATABASE_URL="$ROTATED" AUTH_LOGIN_RATE=7 \
	    AUTH_SIGNUP_RATE=3 AUTH_PASSWORD_RATE=5
	py "$T/defaults.yml" "$T/rates.yml" "$T/entrypoint.sh" <<-'EOF'
	import sys, yaml
	n = yaml.safe_load(open(sys.argv[1]))["services"]["nginx"]
	env = n["environment"]
	assert (env["AUTH_LOGIN_RATE"], env["AUTH_SIGNUP_RATE"]) == ("10", "10"), env
	e = yaml.safe_load(open(sys.argv[2]))["services"]["nginx"]["environment"]
	assert (e["AUTH_LOGIN_RATE"], e["AUTH_SIGNUP_RATE"],
	        e["AUTH_PASSWORD_RATE"]) == ("7", "3", "5"), e
	vols = [v.split(":")[1] for v in n["volumes"] if v.startswith("/")]
	assert "/etc/nginx/templates" in vols, n["volumes"]
	assert "/usr/local/bin/dataland-nginx-limits" in vols, n["volumes"]
	ep = n["entrypoint"]
	assert ep[:2] == ["/bin/sh", "-c"], ep
	open(sys.argv[3], "w").write(ep[2].replace("$$", "$"))
	EOF
	mkdir -p "$T/ng/src" "$T/ng/out"
	cp nginx/* "$T/ng/src/"
	sed -i -e "s|/etc/nginx/templates|$T/ng/src|g" \
	    -e "s|/usr/local/bin/dataland-nginx-limits|$OPS_ROOT/scripts/nginx-limits.sh|" \
	    -e "s|/etc/nginx/|$T/ng/out/|g" "$T/entrypoint.sh"
	env -i PATH="$PATH" AUTH_LOGIN_RATE=7 AUTH_SIGNUP_RATE=3 \
	    AUTH_PASSWORD_RATE=5 NGINX_LISTEN_FILE="$T/ng/etc/listen.conf" \
	    sh "$T/entrypoint.sh" sh -c 'echo started >"$0"' "$T/ng/started"
	expect_eq started "$(cat "$T/ng/started")" "the command after the entrypoint"
	cmp nginx/dataland.conf "$T/ng/out/nginx.conf"
	cmp nginx/dataland-http.conf "$T/ng/out/dataland-http.conf"
	cmp nginx/compose-listen.conf "$T/ng/etc/listen.conf"
	grep -q 'rate=7r/m' "$T/ng/out/dataland-limits.conf"
	grep -q 'rate=3r/m' "$T/ng/out/dataland-limits.conf"
	grep -q 'rate=5r/m' "$T/ng/out/dataland-limits.conf"
	! grep -q '\${' "$T/ng/out/dataland-limits.conf"
	rm -f "$T/ng/started"
	! env -i PATH="$PATH" AUTH_LOGIN_RATE=lots \
	    NGINX_LISTEN_FILE="$T/ng/etc/listen.conf" \
	    sh "$T/entrypoint.sh" sh -c 'echo started >"$0"' "$T/ng/started" \
	    2>"$T/ng/err" &&
	[ ! -e "$T/ng/started" ] && grep -q AUTH_LOGIN_RATE "$T/ng/err"
}

# Multi-stage, Debian, the runtime as a non-root user, and what the
# compose healthchecks and `make install` need.
t_dockerfile() {
	py Dockerfile <<-'EOF'
	import re, sys
	stages, cur = {}, None
	for line in open(sys.argv[1]):
	    m = re.match(r'FROM\s+(\S+)(?:\s+AS\s+(\S+))?', line, re.I)
	    if m:
	        cur = m.group(2) or "stage%d" % len(stages)
	        stages[cur] = {"from": m.group(1), "lines": []}
	    elif cur:
	        stages[cur]["lines"].append(line)
	assert len(stages) >= 2, "not multi-stage"
	for name, st in stages.items():
	    f = st["from"]
	    assert f.startswith("debian:12") or f in stages, "%s: FROM %s" % (name, f)
	body = {k: "".join(v["lines"]) for k, v in stages.items()}
	users = re.findall(r'^USER\s+(\S+)', body["runtime"], re.M)
	assert users and users[-1] not in ("root", "0", "0:0"), users
	assert "libfcgi-bin" in body["runtime"], "no cgi-fcgi for the healthcheck"
	for need in ("README.md", "docs", "nginx", "systemd", "sql", "fcgi", "scripts"):
	    assert re.search(r'^COPY\s.*\b%s\b' % re.escape(need), body["build"], re.M), \
	        "the build stage does not copy %s (make install reads it)" % need
	EOF
	grep -qx '.env' .dockerignore
	grep -qx '.git/' .dockerignore
}

# The retention service's loop, run by sh with a stand-in `dataland`:
# it sweeps at once and every RETENTION_INTERVAL, keeps going after a
# failed sweep, and stops at once, status 0, on SIGTERM (docker stop).
t_retention_loop() {
	local pid n
	render "$T/defaults.yml" DATABASE_URL="$ROTATED"
	py "$T/defaults.yml" "$T/loop.sh" <<-'EOF'
	import sys, yaml
	r = yaml.safe_load(open(sys.argv[1]))["services"]["retention"]
	assert r["entrypoint"] == ["/bin/sh", "-c"], r["entrypoint"]
	assert r["environment"]["RETENTION_INTERVAL"] == "86400"
	assert r["restart"] == "unless-stopped"
	open(sys.argv[2], "w").write(r["command"][0].replace("$$", "$"))
	EOF
	mkdir -p "$T/loopbin"
	printf '#!/bin/sh\necho "$*" >>"%s"\nexit 1\n' "$T/sweeps" >"$T/loopbin/dataland"
	chmod +x "$T/loopbin/dataland"
	PATH="$T/loopbin:$PATH" RETENTION_INTERVAL=1 sh "$T/loop.sh" &
	pid=$!
	sleep 2.5
	kill -TERM "$pid"
	wait "$pid"
	n=$(grep -c '^retention-sweep$' "$T/sweeps")
	[ "$n" -ge 2 ] && [ "$n" -le 4 ] || fail "$n sweeps in 2.5 s at a 1 s interval"
}

if ! command -v docker-compose >/dev/null 2>&1; then
	echo "FAIL $OPS_NAME: docker-compose is not installed (scripts/deps.sh installs it)"
	exit 1
fi
check "compose-renders-with-an-env-file" t_renders_with_env_file
check "compose-renders-from-the-environment-without-env-file" t_renders_from_environment
check "compose-passes-and-docs-name-every-setting" t_every_setting_documented_and_passed
check "compose-refuses-to-render-without-DATABASE_URL" t_refuses_without_database_url
check "compose-postgres-is-the-original-key-for-key" t_postgres_is_the_original
check "compose-publishes-no-port-on-every-interface" t_ports_never_all_interfaces
check "compose-services-on-dataland-network-behind-health-conditions" t_network_and_health
check "compose-nginx-renders-rate-templates" t_nginx_templates
check "compose-retention-loop-sweeps-daily-and-stops-on-TERM" t_retention_loop
check "dockerfile-multi-stage-debian-non-root" t_dockerfile
ops_finish
