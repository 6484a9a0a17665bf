# The live SPARQL servers the remote-store tests run against, on free 127.0.0.1 ports, each with
# its data in one temp folder: the Oxigraph server (PyPI `oxigraph`, union default graph) and
# Virtuoso (Debian `virtuoso-opensource`, config .ci/virtuoso.ini, a random dba password).
#
# Source it, then:  start_servers   exports ATMP_KG_TEST_OXIGRAPH_URL, ATMP_KG_TEST_VIRTUOSO_URL,
#                                   ATMP_KG_TEST_VIRTUOSO_USER, ATMP_KG_TEST_VIRTUOSO_PASSWORD
#                   stop_servers    stops both and removes their data
# (.ci/run does both; a developer can do the same in a shell to run tests/store locally —
# start fresh servers for each run: Virtuoso slows down on repeated large drops, see
# docs/stores.md.)

_ci_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ATMP_KG_SERVERS_DIR=""
ATMP_KG_SERVER_PIDS=()

_free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until every URL answers a SPARQL ASK (up to 90 s); name the server's log if one does not.
_wait_for() {
    python - "$@" <<'EOF'
import sys, time, urllib.error, urllib.parse, urllib.request
pending = dict(zip(sys.argv[1::2], sys.argv[2::2]))  # url -> log file
deadline = time.monotonic() + 90
while pending and time.monotonic() < deadline:
    for url in list(pending):
        try:
            query = urllib.parse.urlencode({"query": "ASK {}"})
            with urllib.request.urlopen(f"{url}?{query}", timeout=2) as response:
                if response.status == 200:
                    del pending[url]
        except (OSError, urllib.error.URLError):
            pass
    time.sleep(0.3)
for url, log in pending.items():
    print(f"error: {url} did not answer within 90 s; its log: {log}", file=sys.stderr)
sys.exit(1 if pending else 0)
EOF
}

start_servers() {
    ATMP_KG_SERVERS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/atmp-kg-servers.XXXXXX")
    local dir=$ATMP_KG_SERVERS_DIR
    local ox_port v_http v_sql password
    ox_port=$(_free_port)
    v_http=$(_free_port)
    v_sql=$(_free_port)

    mkdir -p "$dir/oxigraph" "$dir/virtuoso"
    oxigraph serve --location "$dir/oxigraph" --bind "127.0.0.1:$ox_port" \
        --union-default-graph --timeout-s 60 >"$dir/oxigraph.log" 2>&1 &
    ATMP_KG_SERVER_PIDS+=($!)

    sed -e "s#@DIR@#$dir/virtuoso#g" -e "s#@SQL_PORT@#$v_sql#g" -e "s#@HTTP_PORT@#$v_http#g" \
        "$_ci_dir/virtuoso.ini" >"$dir/virtuoso/virtuoso.ini"
    (cd "$dir/virtuoso" && exec virtuoso-t -f -c virtuoso.ini) >"$dir/virtuoso.log" 2>&1 &
    ATMP_KG_SERVER_PIDS+=($!)

    _wait_for "http://127.0.0.1:$ox_port/query" "$dir/oxigraph.log" \
        "http://127.0.0.1:$v_http/sparql" "$dir/virtuoso.log"

    # A fresh Virtuoso database has dba/dba; nothing else on this machine should know the password.
    password=$(python -c 'import secrets; print(secrets.token_urlsafe(18))')
    isql-vt "127.0.0.1:$v_sql" dba dba exec="user_set_password('dba', '$password');" >/dev/null

    export ATMP_KG_TEST_OXIGRAPH_URL="http://127.0.0.1:$ox_port"
    export ATMP_KG_TEST_VIRTUOSO_URL="http://127.0.0.1:$v_http"
    export ATMP_KG_TEST_VIRTUOSO_USER=dba
    export ATMP_KG_TEST_VIRTUOSO_PASSWORD=$password
    echo "servers: oxigraph $ATMP_KG_TEST_OXIGRAPH_URL, virtuoso $ATMP_KG_TEST_VIRTUOSO_URL" >&2
}

stop_servers() {
    local pid
    for pid in "${ATMP_KG_SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${ATMP_KG_SERVER_PIDS[@]}"; do
        # Virtuoso checkpoints on SIGTERM; do not wait for it forever.
        timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
    done
    ATMP_KG_SERVER_PIDS=()
    if [ -n "$ATMP_KG_SERVERS_DIR" ]; then
        rm -rf "$ATMP_KG_SERVERS_DIR"
        ATMP_KG_SERVERS_DIR=""
    fi
    unset ATMP_KG_TEST_OXIGRAPH_URL ATMP_KG_TEST_VIRTUOSO_URL \
        ATMP_KG_TEST_VIRTUOSO_USER ATMP_KG_TEST_VIRTUOSO_PASSWORD
}
