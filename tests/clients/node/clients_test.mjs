// Real Node.js clients against the server on 127.0.0.1:<port> (argv[2]):
// node-redis 5 speaking RESP3 (transactions, pub/sub pushes, client-side
// caching with server-assisted invalidation) and ioredis over RESP2
// (transactions with WATCH, subscriber mode). Prints one "ok <name>" line
// per check and exits non-zero on the first failure.
import { createClient } from "redis";
import Redis from "ioredis";
import assert from "node:assert/strict";

const port = Number(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function check(name, fn) {
  await fn();
  console.log("ok " + name);
}

async function nodeRedis() {
  const url = `redis://127.0.0.1:${port}`;
  const c = createClient({ url, RESP: 3 });
  await c.connect();
  await c.flushAll();

  await check("node-redis RESP3 multi/exec", async () => {
    const replies = await c.multi().set("a", "1").incr("a").lPush("l", ["x", "y"]).lRange("l", 0, -1).exec();
    assert.deepEqual(replies, ["OK", 2, 2, ["y", "x"]]);
  });

  await check("node-redis WATCH conflict", async () => {
    const other = c.duplicate();
    await other.connect();
    // node-redis runs WATCH on an isolated connection through executeIsolated in v4; in v5 a
    // dedicated client is the documented way.
    const w = c.duplicate();
    await w.connect();
    await w.watch("a");
    await other.set("a", "changed");
    await assert.rejects(w.multi().set("a", "mine").exec(), (e) => e.constructor.name === "WatchError");
    assert.equal(await c.get("a"), "changed");
    await other.quit();
    await w.quit();
  });

  await check("node-redis RESP3 pub/sub", async () => {
    const sub = c.duplicate();
    await sub.connect();
    const got = [];
    await sub.subscribe("news", (msg, ch) => got.push([ch, msg]));
    await sub.pSubscribe("n*", (msg, ch) => got.push(["p:" + ch, msg]));
    // A RESP3 subscriber may run ordinary commands on the same connection.
    assert.equal(await sub.ping(), "PONG");
    const receivers = await c.publish("news", "hello");
    assert.equal(receivers, 2);
    for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
    got.sort();
    assert.deepEqual(got, [["news", "hello"], ["p:news", "hello"]]);
    // (node-redis 5 waits forever on an UNSUBSCRIBE without channels, on any server.)
    await sub.unsubscribe("news");
    await sub.pUnsubscribe("n*");
    await sub.quit();
  });

  await check("node-redis client-side caching", async () => {
    const cached = createClient({ url, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    await cached.connect();
    await c.set("csc", "v1");
    assert.equal(await cached.get("csc"), "v1");
    const before = await c.info("commandstats");
    assert.equal(await cached.get("csc"), "v1");  // served from the local cache
    const after = await c.info("commandstats");
    const gets = (s) => Number((/cmdstat_get:calls=(\d+)/.exec(s) || [0, 0])[1]);
    assert.equal(gets(after), gets(before), "second GET must not reach the server");
    await c.set("csc", "v2");  // the server invalidates the cached key
    let v;
    for (let i = 0; i < 50; i++) {
      v = await cached.get("csc");
      if (v === "v2") break;
      await sleep(20);
    }
    assert.equal(v, "v2");
    await cached.quit();
  });

  await c.quit();
}

async function ioredis() {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  await r.connect();
  await check("ioredis multi/exec", async () => {
    const res = await r.multi().set("io", "1").incrby("io", 4).get("io").exec();
    assert.deepEqual(res, [[null, "OK"], [null, 5], [null, "5"]]);
  });
  await check("ioredis WATCH retry loop", async () => {
    await r.set("ctr", "0");
    const workers = [];
    for (let w = 0; w < 4; w++) {
      workers.push((async () => {
        const conn = new Redis({ port, host: "127.0.0.1" });
        let done = 0;
        while (done < 50) {
          await conn.watch("ctr");
          const v = Number(await conn.get("ctr"));
          const res = await conn.multi().set("ctr", String(v + 1)).exec();
          if (res !== null) done++;
        }
        await conn.quit();
      })());
    }
    await Promise.all(workers);
    assert.equal(await r.get("ctr"), "200");
  });
  await check("ioredis subscriber", async () => {
    const sub = new Redis({ port, host: "127.0.0.1" });
    const got = [];
    sub.on("message", (ch, msg) => got.push([ch, msg]));
    await sub.subscribe("jobs");
    await r.publish("jobs", "one");
    await r.publish("jobs", "two");
    for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
    assert.deepEqual(got, [["jobs", "one"], ["jobs", "two"]]);
    await assert.rejects(sub.get("x"));  // RESP2 subscriber mode refuses other commands
    await sub.quit();
  });
  await r.quit();
}

try {
  await nodeRedis();
  await ioredis();
} catch (e) {
  console.error("FAILED:", e && e.stack ? e.stack : e);
  process.exit(1);
}
