"""The asyncssh contender of `zcl bench`: what the Python runner does today, driven over pipes.

Keeps one asyncssh connection per node open and runs each command it is asked for as its own
task, so commands to many nodes run at once, as the runner's own fan-out does. Reads JSON lines
on stdin, writes JSON lines on stdout:

  {"op": "connect", "nodes": [{"id": "node-1", "host": "127.0.0.1", "port": 2201}, ...]}
      -> {"op": "connected", "ms": 812.5, "errors": []}
  {"op": "run", "id": "c1", "node": "node-1", "cmd": "true"}
      -> {"op": "done", "id": "c1", "exit": 0, "stdout": "", "stderr": ""}   (or "error": "...")
  a connection that closes -> {"op": "lost", "node": "node-1"}

Usage: python3 asyncssh_driver.py CLIENT_KEY KNOWN_HOSTS USER   (Debian: /usr/bin/python3 with python3-asyncssh)
"""
import asyncio
import json
import sys
import time

import asyncssh


async def main(key, known_hosts, user):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    conns = {}
    tasks = set()

    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def watch(node, conn):
        await conn.wait_closed()
        emit({"op": "lost", "node": node})

    async def connect(node, host, port):
        conn = await asyncssh.connect(host, port=port, username=user, client_keys=[key],
                                      known_hosts=known_hosts, config=[])
        conns[node] = conn
        keep(asyncio.ensure_future(watch(node, conn)))

    async def run(cid, node, cmd):
        try:
            r = await conns[node].run(cmd, check=False)
            emit({"op": "done", "id": cid, "exit": -1 if r.exit_status is None else r.exit_status,
                  "stdout": r.stdout or "", "stderr": r.stderr or ""})
        except Exception as e:  # a lost connection, a refused channel: the command failed
            emit({"op": "done", "id": cid, "exit": -1, "error": f"{type(e).__name__}: {e}"})

    def keep(task):
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    while True:
        line = await reader.readline()
        if not line:
            break
        req = json.loads(line)
        if req["op"] == "connect":
            t0 = time.monotonic()
            got = await asyncio.gather(*(connect(n["id"], n["host"], n["port"]) for n in req["nodes"]),
                                       return_exceptions=True)
            errors = [f"{n['id']}: {type(g).__name__}: {g}" for n, g in zip(req["nodes"], got) if isinstance(g, Exception)]
            emit({"op": "connected", "ms": (time.monotonic() - t0) * 1000, "errors": errors})
        elif req["op"] == "run":
            keep(asyncio.ensure_future(run(req["id"], req["node"], req["cmd"])))
    for conn in conns.values():
        conn.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
