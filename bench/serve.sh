#!/usr/bin/env bash
# `morph serve` latency: a slider move (POST /api/render: one interpolate + one decode on the
# cached latents, answered as a 64 px PNG), timed from request to last byte over loopback.
# 500 requests from 1 client, then 500 from 8 concurrent clients (keep-alive connections, each
# request with fresh random strengths); bounded in count and in time (60 s per phase).
# Target (issue 37): p50 ≤ 30 ms, p99 ≤ 100 ms with one client. server_cpu_ms_per_request is the
# server's own CPU time (user + system, from /proc) per request: on a busy machine the latencies
# include waiting for a core, that figure does not.
# Usage: bench/serve.sh [path/to/morph]. Prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/release/morph}")
work=bench/data/serve
rm -rf "$work" && mkdir -p "$work"
"$bin" serve --port 0 --output "$work/out" --catalog "$work/none.sqlite" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on http://" "$work/serve.log" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*/' "$work/serve.log" | head -1)
[ -n "$url" ] || { echo "bench/serve.sh: the server did not start" >&2; exit 1; }
python=$(command -v /usr/bin/python3 || command -v python3)
"$python" - "$url" "$server" <<'PY'
import http.client, json, os, random, sys, threading, time, urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
server_pid = sys.argv[2]

def server_cpu_seconds():
    """The server's user + system CPU time: per request, a figure other load does not inflate."""
    try:
        fields = open(f"/proc/{server_pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")
def post(connection, path, body):
    connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{path}: {response.status} {data[:200]!r}")
    return data

setup = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
face = json.loads(post(setup, "/api/faces", {"source": "folder", "name": "000001.jpg"}))["id"]
other = json.loads(post(setup, "/api/faces", {"source": "folder", "name": "000002.jpg"}))["id"]
reference = json.loads(post(setup, "/api/references", {"kind": "face", "face": other}))["id"]
setup.request("GET", "/api/info"); groups = [g["name"] for g in json.loads(setup.getresponse().read())["groups"]]
for _ in range(20):  # warm-up
    post(setup, "/api/render", {"face": face, "reference": reference, "strengths": {groups[0]: random.random()}})
setup.close()

def phase(clients, total, limit_s=60.0):
    latencies, lock, errors = [], threading.Lock(), []
    per = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    deadline = time.monotonic() + limit_s
    def client(n, seed):
        rng = random.Random(seed)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            for _ in range(n):
                if time.monotonic() > deadline:
                    break
                body = {"face": face, "reference": reference, "strengths": {g: round(rng.uniform(0, 2), 2) for g in rng.sample(groups, 2)}}
                t0 = time.perf_counter()
                post(connection, "/api/render", body)
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(dt)
        except BaseException as error:
            errors.append(str(error))
        finally:
            connection.close()
    threads = [threading.Thread(target=client, args=(n, i)) for i, n in enumerate(per)]
    cpu0 = server_cpu_seconds()
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - start
    cpu = server_cpu_seconds() - cpu0
    if errors:
        raise SystemExit("client failed: " + errors[0])
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return {"clients": clients, "requests": len(latencies), "p50_ms": round(pick(0.50), 2), "p99_ms": round(pick(0.99), 2),
            "mean_ms": round(sum(latencies) / len(latencies), 2), "max_ms": round(latencies[-1], 2), "requests_per_s": round(len(latencies) / wall, 1),
            "server_cpu_ms_per_request": round(cpu * 1000 / len(latencies), 2)}

one, eight = phase(1, 500), phase(8, 500)
print(json.dumps({"bench": "serve", "what": "POST /api/render, 64 px PNG", "one_client": one, "eight_clients": eight,
                  "target_one_client": {"p50_ms": 30, "p99_ms": 100},
                  "meets_target": one["p50_ms"] <= 30 and one["p99_ms"] <= 100}))
PY
