#!/usr/bin/python3
"""Unit tests of the Python ZCR1 coordinator against a scripted agent written here in Python.

The Java agents are exercised by PythonCoordinatorInteropTest (03-cluster-runner-simulation); this
file checks the coordinator's side of the spec without a JVM: WELCOME, RUN and ACK, OUTPUT to the
callback, the ERROR replies for bad frames, and NODE_LOST when an agent comes back as a new process.
Run: /usr/bin/python3 integration-plan/python/test_zcr1_coordinator.py
"""

import asyncio
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import msgpack  # noqa: E402
import zmq  # noqa: E402
import zmq.asyncio  # noqa: E402

import zcr1_coordinator as z  # noqa: E402


class ScriptedAgent:
    """A DEALER that speaks ZCR1 by hand, so each test decides what the agent says."""

    def __init__(self, endpoint: str, node_id: str, instance: str = None):
        self.ctx = zmq.asyncio.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.node_id = node_id
        self.instance = instance or uuid.uuid4().hex

    async def send(self, cmd: int, body: dict) -> None:
        await self.sock.send_multipart([z.SIGNATURE, bytes([cmd]), msgpack.packb(body, use_bin_type=True)])

    async def send_raw(self, frames) -> None:
        await self.sock.send_multipart(frames)

    async def recv(self, skip_heartbeats: bool = True):
        while True:
            sig, cmd, body = await asyncio.wait_for(self.sock.recv_multipart(), 5)
            assert sig == z.SIGNATURE
            if skip_heartbeats and cmd[0] == z.HEARTBEAT:
                continue
            return cmd[0], msgpack.unpackb(body, raw=False)

    async def hello(self, running=(), unacked=()) -> dict:
        await self.send(z.HELLO, {"version": 1, "node_id": self.node_id, "instance": self.instance,
                                  "agent": "scripted", "system": {"hostname": self.node_id},
                                  "max_concurrent": 4, "running": list(running), "unacked": list(unacked)})
        cmd, body = await self.recv()
        assert cmd == z.WELCOME, cmd
        return body

    def close(self) -> None:
        self.sock.close(linger=0)
        self.ctx.term()


class CoordinatorTest(unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.coordinator = z.Coordinator("tcp://127.0.0.1:*", heartbeat_ms=250, liveness=3, lost_grace_ms=2000)
        self.endpoint = await self.coordinator.start()
        self.agents = []

    async def asyncTearDown(self):
        for a in self.agents:
            a.close()
        await self.coordinator.close()

    def agent(self, node_id: str, instance: str = None) -> ScriptedAgent:
        a = ScriptedAgent(self.endpoint, node_id, instance)
        self.agents.append(a)
        return a

    async def test_run_streams_output_and_acks_the_result(self):
        a = self.agent("node-1")
        welcome = await a.hello()
        self.assertEqual(welcome, {"version": 1, "heartbeat_ms": 250, "liveness": 3})
        await self.coordinator.wait_up("node-1", 5)
        chunks = []
        task = asyncio.create_task(self.coordinator.executor("node-1").run(
            ["echo", "hi"], env={"A": "1"}, timeout_s=5, on_output=lambda c, s, d: chunks.append((s, d))))
        cmd, run = await a.recv()
        self.assertEqual(cmd, z.RUN)
        self.assertEqual(run["argv"], ["echo", "hi"])
        self.assertEqual(run["env"], {"A": "1"})
        self.assertEqual(run["timeout_ms"], 5000)
        self.assertTrue(run["stream"])
        await a.send(z.OUTPUT, {"cmd_id": run["cmd_id"], "stream": "stdout", "seq": 0, "data": b"hi\n"})
        await a.send(z.RESULT, {"cmd_id": run["cmd_id"], "status": "COMPLETED", "exit_code": 0, "stdout": b"hi\n",
                                "stderr": b"", "truncated": False, "started_ms": 1, "duration_us": 2})
        cmd, ack = await a.recv()
        self.assertEqual((cmd, ack), (z.ACK, {"cmd_id": run["cmd_id"]}))
        result = await asyncio.wait_for(task, 5)
        self.assertTrue(result.succeeded)
        self.assertEqual(result.stdout, "hi\n")
        self.assertEqual(chunks, [("stdout", b"hi\n")])
        # the same RESULT again is a duplicate: ACKed, not counted
        await a.send(z.RESULT, {"cmd_id": run["cmd_id"], "status": "COMPLETED", "exit_code": 0})
        self.assertEqual((await a.recv())[0], z.ACK)
        self.assertEqual(self.coordinator.stats["duplicate_results"], 1)

    async def test_bad_messages_get_an_error_and_the_connection_lives_on(self):
        a = self.agent("node-2")
        await a.send_raw([b"XXXX", bytes([z.HELLO]), msgpack.packb({})])
        self.assertEqual((await a.recv())[1]["code"], "BAD_VERSION")
        await a.send_raw([z.SIGNATURE, bytes([z.HELLO]), b"\xc1"])
        self.assertEqual((await a.recv())[1]["code"], "BAD_BODY")
        await a.send(z.HELLO, {"version": 1, "instance": "x"})
        error = (await a.recv())[1]
        self.assertEqual(error, {"code": "BAD_BODY", "reason": "missing field 'node_id'"})
        await a.send(z.HEARTBEAT, {})
        self.assertEqual((await a.recv())[1]["code"], "HELLO_REQUIRED")
        await a.send(z.RUN, {"cmd_id": "c"})
        self.assertEqual((await a.recv())[1]["code"], "UNKNOWN_COMMAND")
        await a.hello()  # still works
        self.assertEqual(self.coordinator.up_nodes(), ["node-2"])

    async def test_an_agent_that_restarts_while_a_command_runs_loses_it(self):
        a = self.agent("node-3", "first")
        await a.hello()
        task = asyncio.create_task(self.coordinator.executor("node-3").run(["sleep", "10"]))
        self.assertEqual((await a.recv())[0], z.RUN)
        a.close()
        self.agents.remove(a)
        b = self.agent("node-3", "second")
        await b.hello()
        result = await asyncio.wait_for(task, 5)
        self.assertEqual(result.status, "NODE_LOST")

    async def test_a_silent_agent_is_lost_after_liveness_times_the_interval(self):
        a = self.agent("node-4")
        await a.hello()
        await self.coordinator.wait_up("node-4", 5)
        started = asyncio.get_running_loop().time()
        await self.coordinator.wait_lost("node-4", 5)  # the scripted agent never heartbeats
        self.assertLess(asyncio.get_running_loop().time() - started, 2.5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
