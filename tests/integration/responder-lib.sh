# Shared helpers of the integration scripts that talk FastCGI to the
# release responders directly, without nginx (valgrind.sh, memory.sh).
# Sourced; not a test of its own, so not executable. Each check prints
# "ok NAME" or "FAIL NAME", which tests/run.sh counts.

fails=0

check() {
	name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

# fcgi SOCK METHOD PATH [BODY [TOKEN [ACCEPT]]] -> the response on stdout
fcgi() {
	printf %s "${4:-}" | env -i REQUEST_METHOD="$2" DOCUMENT_URI="$3" \
	    QUERY_STRING="" CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(printf %s "${4:-}" | wc -c)" \
	    ${5:+HTTP_AUTHORIZATION="Bearer $5"} ${6:+HTTP_ACCEPT="$6"} \
	    cgi-fcgi -bind -connect "$1"
}

# member KEY < RESPONSE: the first string member KEY of a JSON answer
member() {
	sed -n "s/^[^{]*{.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -n 1
}

# wait_sock PATH: up to 60 s for a responder's socket to appear
wait_sock() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ]
}
