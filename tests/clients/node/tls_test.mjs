// Real Node.js clients over TLS (mutual: the client presents a certificate)
// against the server's tls-port on 127.0.0.1:<port> (argv[2]), with the
// CA, client certificate and key files given as argv[3..5]. node-redis 5
// speaks RESP3, ioredis RESP2. Prints one "ok <name>" line per check.
import { createClient } from "redis";
import Redis from "ioredis";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const port = Number(process.argv[2]);
const ca = readFileSync(process.argv[3]);
const cert = readFileSync(process.argv[4]);
const key = readFileSync(process.argv[5]);

async function check(name, fn) {
  await fn();
  console.log("ok " + name);
}

await check("node-redis RESP3 over TLS", async () => {
  const c = createClient({ RESP: 3, socket: { host: "127.0.0.1", port, tls: true, ca, cert, key,
                                              servername: "localhost" } });
  await c.connect();
  await c.set("tls:a", "x".repeat(100000));
  assert.equal((await c.get("tls:a")).length, 100000);
  const replies = await c.multi().incr("tls:n").incr("tls:n").exec();
  assert.deepEqual(replies, [1, 2]);
  await c.quit();
});

await check("ioredis over TLS", async () => {
  const r = new Redis({ host: "127.0.0.1", port, tls: { ca, cert, key, servername: "localhost" },
                        maxRetriesPerRequest: 0 });
  const p = r.pipeline();
  for (let i = 0; i < 1000; i++) p.set("tls:k" + i, String(i));
  await p.exec();
  assert.equal(await r.get("tls:k999"), "999");
  assert.equal(await r.dbsize() >= 1000, true);
  r.disconnect();
});
process.exit(0);
