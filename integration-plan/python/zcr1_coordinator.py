#!/usr/bin/python3
"""The coordinator side of ZCR1 (docs/wire-protocol.md) in Python: asyncio + pyzmq + msgpack.

This is the proof that the Python runner can drive the Java node agents without the Java
coordinator: a ROUTER socket that agents dial into, HELLO -> WELCOME, RUN, streamed OUTPUT,
RESULT -> ACK, heartbeats and liveness both ways, and the in-flight rules of section 6.3 after a
reconnect. ``ZmqNodeExecutor`` has the shape of the runner's NodeExecutorProtocol: an
``async run(argv, ...)`` that returns a result and streams output to a callback.

Needs Debian's python3-zmq and python3-msgpack, so run it with /usr/bin/python3.

Two ways to use it from a shell:

    # one command on one node: waits for the node's agent, streams its output, prints RESULT
    /usr/bin/python3 zcr1_coordinator.py --bind tcp://127.0.0.1:5555 --run node-1 -- echo hi

    # JSON lines on stdin/stdout, for a program (the JUnit interop test) to drive
    /usr/bin/python3 zcr1_coordinator.py --bind 'tcp://127.0.0.1:*' --serve
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
import time
import uuid
from typing import Awaitable, Callable, Dict, List, Optional

import msgpack
import zmq
import zmq.asyncio

LOG = logging.getLogger("zcr1")

SIGNATURE = b"ZCR1"
VERSION = 1
MAX_BODY_BYTES = 16 * 1024 * 1024

# Command codes (docs/wire-protocol.md section 4; Protocol.java in the Java code).
HELLO, HEARTBEAT, OUTPUT, RESULT, BYE, JOURNAL = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
WELCOME, RUN, CANCEL, ACK, JOURNAL_ACK = 0x11, 0x12, 0x13, 0x14, 0x15
ERROR = 0x7F
AGENT_TO_COORDINATOR = {HELLO, HEARTBEAT, OUTPUT, RESULT, BYE, ERROR}

OutputCallback = Callable[[str, str, bytes], None]  # (cmd_id, "stdout" | "stderr", chunk)


@dataclasses.dataclass(frozen=True)
class CommandResult:
    """What came back from one command (the Java CommandResult, the wire RESULT)."""

    command_id: str
    node_id: str
    status: str  # COMPLETED, TIMED_OUT, CANCELLED, FAILED_TO_START, NODE_LOST
    exit_code: int
    stdout: str
    stderr: str
    truncated: bool
    started_ms: int
    duration_us: int
    error: Optional[str] = None

    @property
    def succeeded(self) -> bool:
        return self.status == "COMPLETED" and self.exit_code == 0


class ProtocolError(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclasses.dataclass
class _Session:
    node_id: str
    identity: bytes
    instance: str
    system: dict
    last_heard: float
    last_sent: float
    up: bool = True


@dataclasses.dataclass
class _Pending:
    cmd_id: str
    node_id: str
    run_body: dict
    future: asyncio.Future
    on_output: Optional[OutputCallback]
    sent_to_instance: Optional[str] = None  # None: not sent yet (node was down)
    next_seq: int = 0
    started: float = dataclasses.field(default_factory=time.time)


class Coordinator:
    """One ROUTER socket; node agents (DEALER) connect to it and say HELLO."""

    def __init__(self, bind: str, heartbeat_ms: int = 1000, liveness: int = 3, lost_grace_ms: int = 10_000,
                 on_node_event: Optional[Callable[[str, str, dict], None]] = None):
        if heartbeat_ms <= 0 or liveness <= 0:
            raise ValueError("heartbeat_ms and liveness must be positive")
        self.bind = bind
        self.heartbeat_ms = heartbeat_ms
        self.liveness = liveness
        self.lost_grace_ms = lost_grace_ms
        self.endpoint: Optional[str] = None
        self._on_node_event = on_node_event
        self._ctx = zmq.asyncio.Context()
        self._sock: Optional[zmq.asyncio.Socket] = None
        self._by_identity: Dict[bytes, _Session] = {}
        self._by_node: Dict[str, _Session] = {}
        self._lost_since: Dict[str, float] = {}
        self._pending: Dict[str, _Pending] = {}
        self._completed: set = set()
        self._tasks: List[asyncio.Task] = []
        self._changed = asyncio.Condition()
        self.stats = {"runs_sent": 0, "results": 0, "duplicate_results": 0, "orphan_results": 0,
                      "protocol_errors": 0, "output_gaps": 0}

    # ------------------------------------------------------------------ lifetime

    async def start(self) -> str:
        sock = self._ctx.socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        sock.setsockopt(zmq.MAXMSGSIZE, 2 * MAX_BODY_BYTES)
        sock.bind(self.bind)
        self._sock = sock
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self._tasks = [asyncio.create_task(self._receive_loop(), name="zcr1-receive"),
                       asyncio.create_task(self._timer_loop(), name="zcr1-timers")]
        return self.endpoint

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        for p in list(self._pending.values()):
            self._complete(p, self._lost(p, "coordinator stopped"))
        if self._sock is not None:
            self._sock.close(linger=0)
        self._ctx.term()

    async def __aenter__(self) -> "Coordinator":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # ------------------------------------------------------------------ queries

    def up_nodes(self) -> List[str]:
        return sorted(n for n, s in self._by_node.items() if s.up)

    def instance(self, node_id: str) -> Optional[str]:
        s = self._by_node.get(node_id)
        return s.instance if s else None

    def system_config(self, node_id: str) -> Optional[dict]:
        s = self._by_node.get(node_id)
        return s.system if s else None

    async def wait_up(self, node_id: str, timeout_s: float, not_instance: Optional[str] = None) -> str:
        """Waits until the node is up (with an instance other than not_instance); returns its instance."""
        def ready() -> bool:
            s = self._by_node.get(node_id)
            return s is not None and s.up and s.instance != not_instance
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), timeout_s)
            return self._by_node[node_id].instance

    async def wait_lost(self, node_id: str, timeout_s: float) -> None:
        def lost() -> bool:
            s = self._by_node.get(node_id)
            return s is None or not s.up
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lost), timeout_s)

    def executor(self, node_id: str) -> "ZmqNodeExecutor":
        return ZmqNodeExecutor(self, node_id)

    # ------------------------------------------------------------------ commands

    def submit(self, node_id: str, argv: List[str], env: Optional[Dict[str, str]], cwd: Optional[str],
               timeout_ms: int, on_output: Optional[OutputCallback], cmd_id: Optional[str]) -> asyncio.Future:
        if not argv or not argv[0]:
            raise ValueError("argv must name a program")
        if timeout_ms <= 0:
            raise ValueError(f"timeout_ms must be positive, got {timeout_ms}")
        cmd_id = cmd_id or uuid.uuid4().hex
        if cmd_id in self._pending or cmd_id in self._completed:
            raise ValueError(f"command id {cmd_id} already used")
        body = {"cmd_id": cmd_id, "argv": list(argv), "env": dict(env or {}), "timeout_ms": int(timeout_ms),
                "stream": on_output is not None}
        if cwd:
            body["cwd"] = cwd
        p = _Pending(cmd_id, node_id, body, asyncio.get_running_loop().create_future(), on_output)
        self._pending[cmd_id] = p
        s = self._by_node.get(node_id)
        if s is not None and s.up:
            self._send_run(s, p)
        elif node_id not in self._lost_since:
            self._lost_since[node_id] = time.monotonic()  # never seen: the grace period applies too
        return p.future

    def cancel(self, cmd_id: str) -> bool:
        p = self._pending.get(cmd_id)
        if p is None:
            return False
        s = self._by_node.get(p.node_id)
        if s is not None and s.up and p.sent_to_instance is not None:
            self._send(s.identity, CANCEL, {"cmd_id": cmd_id})
        else:
            self._complete(p, CommandResult(cmd_id, p.node_id, "CANCELLED", -1, "", "", False,
                                            int(p.started * 1000), 0, "cancelled before it was sent"))
        return True

    def _send_run(self, s: _Session, p: _Pending) -> None:
        if self._send(s.identity, RUN, p.run_body):
            p.sent_to_instance = s.instance
            self.stats["runs_sent"] += 1

    # ------------------------------------------------------------------ I/O

    def _send(self, identity: bytes, cmd: int, body: dict) -> bool:
        try:
            self._sock.send_multipart([identity, SIGNATURE, bytes([cmd]), msgpack.packb(body, use_bin_type=True)],
                                      flags=zmq.NOBLOCK)
        except zmq.Again:
            return False  # a full queue: heartbeats are skipped, RUN is re-sent on the next HELLO
        except zmq.ZMQError as e:  # EHOSTUNREACH with ROUTER_MANDATORY: the peer is gone
            LOG.debug("send to %s failed: %s", identity.hex(), e)
            return False
        s = self._by_identity.get(identity)
        if s is not None:
            s.last_sent = time.monotonic()
        return True

    async def _receive_loop(self) -> None:
        while True:
            frames = await self._sock.recv_multipart(copy=True)
            identity, rest = frames[0], frames[1:]
            s = self._by_identity.get(identity)
            if s is not None:
                s.last_heard = time.monotonic()
            try:
                cmd, body = self._parse(rest)
                if cmd not in AGENT_TO_COORDINATOR:
                    raise ProtocolError("UNKNOWN_COMMAND", f"command 0x{cmd:02x} is not sent by agents")
                if s is None and cmd != HELLO:
                    if cmd not in (BYE, ERROR):
                        self._send(identity, ERROR, {"code": "HELLO_REQUIRED", "reason": "no session: send HELLO first"})
                    continue
                await self._handle(identity, s, cmd, body)
            except ProtocolError as e:
                self.stats["protocol_errors"] += 1
                LOG.warning("protocol error from %s: %s %s", s.node_id if s else identity.hex(), e.code, e.reason)
                self._send(identity, ERROR, {"code": e.code, "reason": e.reason})

    @staticmethod
    def _parse(frames: List[bytes]):
        if len(frames) != 3:
            raise ProtocolError("BAD_FRAMES", f"expected 3 frames after the identity, got {len(frames)}")
        sig, cmd, body = frames
        if sig != SIGNATURE:
            raise ProtocolError("BAD_VERSION", f"expected protocol ZCR1, got {sig[:8]!r}")
        if len(cmd) != 1:
            raise ProtocolError("BAD_FRAMES", f"command frame must be 1 byte, got {len(cmd)}")
        if len(body) > MAX_BODY_BYTES:
            raise ProtocolError("TOO_LARGE", f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}")
        try:
            fields = msgpack.unpackb(body, raw=False, strict_map_key=True)
        except Exception as e:  # msgpack raises several types for malformed input
            raise ProtocolError("BAD_BODY", f"body is not msgpack: {type(e).__name__} {e}".rstrip()) from None
        if not isinstance(fields, dict):
            raise ProtocolError("BAD_BODY", "body must be a msgpack map")
        return cmd[0], fields

    @staticmethod
    def _field(body: dict, name: str, kind):
        if name not in body:
            raise ProtocolError("BAD_BODY", f"missing field '{name}'")
        value = body[name]
        if not isinstance(value, kind):
            raise ProtocolError("BAD_BODY", f"field '{name}' has the wrong type")
        return value

    async def _handle(self, identity: bytes, s: Optional[_Session], cmd: int, body: dict) -> None:
        if cmd == HELLO:
            await self._hello(identity, body)
        elif cmd == HEARTBEAT:
            pass  # last_heard already updated: any traffic counts
        elif cmd == OUTPUT:
            cmd_id = self._field(body, "cmd_id", str)
            p = self._pending.get(cmd_id)
            if p is not None and p.node_id == s.node_id:
                stream = self._field(body, "stream", str)
                if stream not in ("stdout", "stderr"):
                    raise ProtocolError("BAD_BODY", f"stream must be stdout or stderr, got '{stream}'")
                seq = self._field(body, "seq", int)
                if seq != p.next_seq:
                    self.stats["output_gaps"] += 1
                p.next_seq = seq + 1
                if p.on_output is not None:
                    p.on_output(cmd_id, stream, bytes(self._field(body, "data", bytes)))
        elif cmd == RESULT:
            result = self._result(s.node_id, body)
            self._send(identity, ACK, {"cmd_id": result.command_id})
            p = self._pending.get(result.command_id)
            if p is not None and p.node_id == s.node_id:
                self.stats["results"] += 1
                self._complete(p, result)
            elif result.command_id in self._completed:
                self.stats["duplicate_results"] += 1
            else:
                self.stats["orphan_results"] += 1
                LOG.info("orphan result %s from %s", result.command_id, s.node_id)
        elif cmd == BYE:
            await self._mark_lost(s, "said BYE: " + str(body.get("reason", "")))
        elif cmd == ERROR:
            LOG.warning("%s says %s: %s", s.node_id, body.get("code"), body.get("reason"))

    def _result(self, node_id: str, body: dict) -> CommandResult:
        def text(name: str) -> str:
            value = body.get(name, b"")
            return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)
        return CommandResult(
            command_id=self._field(body, "cmd_id", str), node_id=node_id, status=self._field(body, "status", str),
            exit_code=int(body.get("exit_code", -1)), stdout=text("stdout"), stderr=text("stderr"),
            truncated=bool(body.get("truncated", False)), started_ms=int(body.get("started_ms", 0)),
            duration_us=int(body.get("duration_us", 0)), error=body.get("error"))

    async def _hello(self, identity: bytes, body: dict) -> None:
        version = self._field(body, "version", int)
        if version != VERSION:
            raise ProtocolError("BAD_VERSION", f"this coordinator speaks version {VERSION}, got {version}")
        node_id = self._field(body, "node_id", str)
        instance = self._field(body, "instance", str)
        running = set(body.get("running") or []) | set(body.get("unacked") or [])
        old = self._by_node.get(node_id)
        if old is not None:
            self._by_identity.pop(old.identity, None)
        now = time.monotonic()
        s = _Session(node_id, identity, instance, body.get("system") or {}, now, now)
        self._by_identity[identity] = s
        self._by_node[node_id] = s
        self._lost_since.pop(node_id, None)
        self._send(identity, WELCOME, {"version": VERSION, "heartbeat_ms": self.heartbeat_ms,
                                       "liveness": self.liveness})
        restarted = old is not None and old.instance != instance
        for p in [p for p in self._pending.values() if p.node_id == node_id]:
            if p.cmd_id in running:
                continue  # its RESULT will come
            if p.sent_to_instance is not None and p.sent_to_instance != instance:
                self._complete(p, self._lost(p, "the agent restarted while the command ran"))
            else:
                self._send_run(s, p)  # never sent, or the RUN was lost in flight: RUN is idempotent
        await self._notify(node_id, "up", {"instance": instance, "restarted": restarted})

    async def _mark_lost(self, s: _Session, reason: str) -> None:
        if not s.up:
            return
        s.up = False
        self._by_identity.pop(s.identity, None)
        self._lost_since[s.node_id] = time.monotonic()
        await self._notify(s.node_id, "lost", {"reason": reason})

    async def _notify(self, node_id: str, kind: str, detail: dict) -> None:
        if self._on_node_event is not None:
            self._on_node_event(node_id, kind, detail)
        async with self._changed:
            self._changed.notify_all()

    async def _timer_loop(self) -> None:
        hb = self.heartbeat_ms / 1000
        while True:
            await asyncio.sleep(min(hb / 4, 0.25))
            now = time.monotonic()
            for s in [s for s in self._by_node.values() if s.up]:
                if now - s.last_heard > self.liveness * hb:
                    await self._mark_lost(s, f"silent for {self.liveness} x {self.heartbeat_ms} ms")
                elif now - s.last_sent >= hb:
                    self._send(s.identity, HEARTBEAT, {})
            for p in list(self._pending.values()):
                since = self._lost_since.get(p.node_id)
                if since is not None and (now - since) * 1000 > self.lost_grace_ms:
                    self._complete(p, self._lost(p, f"node {p.node_id} away longer than {self.lost_grace_ms} ms"))

    def _lost(self, p: _Pending, reason: str) -> CommandResult:
        return CommandResult(p.cmd_id, p.node_id, "NODE_LOST", -1, "", "", False, int(p.started * 1000),
                             int((time.time() - p.started) * 1e6), reason)

    def _complete(self, p: _Pending, result: CommandResult) -> None:
        self._pending.pop(p.cmd_id, None)
        self._completed.add(p.cmd_id)
        if not p.future.done():
            p.future.set_result(result)


class ZmqNodeExecutor:
    """Runs commands on one node through its agent (Python: NodeExecutorProtocol over ZCR1)."""

    def __init__(self, coordinator: Coordinator, node_id: str):
        self._coordinator = coordinator
        self.node_id = node_id

    async def run(self, argv: List[str], env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None,
                  timeout_s: float = 600.0, on_output: Optional[OutputCallback] = None,
                  cmd_id: Optional[str] = None) -> CommandResult:
        """Runs argv (no shell) on the node; output goes to on_output while it runs. Never raises for
        a command that failed: the result's status says what happened (as the Java NodeExecutor)."""
        future = self._coordinator.submit(self.node_id, argv, env, cwd, int(timeout_s * 1000), on_output, cmd_id)
        return await future

    def cancel(self, cmd_id: str) -> bool:
        return self._coordinator.cancel(cmd_id)


# ---------------------------------------------------------------------- command line


def _result_json(r: CommandResult) -> dict:
    d = dataclasses.asdict(r)
    d["succeeded"] = r.succeeded
    return d


async def _run_once(args) -> int:
    async with Coordinator(args.bind, args.heartbeat_ms, args.liveness) as coordinator:
        print(f"BOUND {coordinator.endpoint}", file=sys.stderr, flush=True)
        try:
            await coordinator.wait_up(args.run, args.wait_s)
        except asyncio.TimeoutError:
            print(f"node {args.run} did not connect within {args.wait_s} s", file=sys.stderr)
            return 2

        def echo(cmd_id: str, stream: str, chunk: bytes) -> None:
            out = sys.stdout if stream == "stdout" else sys.stderr
            out.buffer.write(chunk)
            out.flush()

        result = await coordinator.executor(args.run).run(args.argv, timeout_s=args.timeout_s, on_output=echo)
        print("RESULT " + json.dumps(_result_json(result), sort_keys=True), flush=True)
        return result.exit_code if result.status == "COMPLETED" else 255


async def _serve(args) -> int:
    """JSON lines: one request per stdin line, events and replies on stdout (see README.md)."""

    def emit(event: dict) -> None:
        sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
        sys.stdout.flush()

    def node_event(node_id: str, kind: str, detail: dict) -> None:
        emit({"event": "node_" + kind, "node": node_id, **detail})

    coordinator = Coordinator(args.bind, args.heartbeat_ms, args.liveness, args.lost_grace_ms, node_event)
    await coordinator.start()
    emit({"event": "bound", "endpoint": coordinator.endpoint})
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks = set()

    async def handle(req: dict) -> None:
        rid = req.get("id")
        op = req.get("op")
        try:
            if op == "run":
                def output(cmd_id: str, stream: str, chunk: bytes) -> None:
                    emit({"event": "output", "id": rid, "cmd_id": cmd_id, "stream": stream,
                          "data": chunk.decode("utf-8", "replace")})
                r = await coordinator.executor(req["node"]).run(
                    req["argv"], env=req.get("env"), timeout_s=req.get("timeout_ms", 600_000) / 1000,
                    on_output=output if req.get("stream", True) else None, cmd_id=req.get("cmd_id"))
                emit({"event": "result", "id": rid, **_result_json(r)})
            elif op == "await_up":
                instance = await coordinator.wait_up(req["node"], req.get("timeout_s", 30), req.get("not_instance"))
                emit({"event": "up", "id": rid, "node": req["node"], "instance": instance,
                      "hostname": (coordinator.system_config(req["node"]) or {}).get("hostname")})
            elif op == "await_lost":
                await coordinator.wait_lost(req["node"], req.get("timeout_s", 30))
                emit({"event": "lost", "id": rid, "node": req["node"]})
            elif op == "stats":
                emit({"event": "stats", "id": rid, "up": coordinator.up_nodes(), **coordinator.stats})
            else:
                emit({"event": "error", "id": rid, "reason": f"unknown op '{op}'"})
        except asyncio.TimeoutError:
            emit({"event": "error", "id": rid, "reason": f"{op} timed out"})
        except (KeyError, ValueError, TypeError) as e:
            emit({"event": "error", "id": rid, "reason": f"bad request: {e!r}"})

    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
            except json.JSONDecodeError as e:
                emit({"event": "error", "reason": f"not JSON: {e}"})
                continue
            if req.get("op") == "quit":
                break
            task = asyncio.create_task(handle(req))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    finally:
        for task in list(tasks):
            task.cancel()
        await coordinator.close()
        emit({"event": "closed"})
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="ZCR1 coordinator (Python): run commands on Java node agents")
    parser.add_argument("--bind", default="tcp://127.0.0.1:5555", help="ROUTER endpoint agents connect to")
    parser.add_argument("--heartbeat-ms", type=int, default=1000)
    parser.add_argument("--liveness", type=int, default=3)
    parser.add_argument("--lost-grace-ms", type=int, default=10_000)
    parser.add_argument("--wait-s", type=float, default=30.0, help="--run: how long to wait for the node")
    parser.add_argument("--timeout-s", type=float, default=600.0, help="--run: the command's timeout")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--run", metavar="NODE", help="run the command after -- on NODE and exit with its code")
    mode.add_argument("--serve", action="store_true", help="JSON-lines requests on stdin, events on stdout")
    parser.add_argument("argv", nargs="*", help="the command for --run (after --)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s")
    if args.run is not None:
        if not args.argv:
            parser.error("--run needs a command after --")
        return asyncio.run(_run_once(args))
    return asyncio.run(_serve(args))


if __name__ == "__main__":
    sys.exit(main())
