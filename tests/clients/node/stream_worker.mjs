// One consumer-group worker for tests/integration/test_stream_worker_pool.py,
// written with ioredis: reads the stream "jobs" as consumer <name> of group
// "pool", records each message it processes (SADD pool:done <n>, INCRBY
// pool:deliveries) and only then acknowledges it (XACK), so a crash between
// reading and acknowledging leaves the messages pending. When it finds
// nothing new it runs XAUTOCLAIM to take over messages idle for
// <min-idle> ms (a crashed worker's) and processes those the same way.
//
// argv: port name min_idle_ms crash_after
// crash_after > 0: after that many batches, read one more batch and exit
// at once without acknowledging it (a crash). Stops when pool:stop exists.
import Redis from "ioredis";

const [port, name, minIdle, crashAfter] = process.argv.slice(2);
const redis = new Redis({ host: "127.0.0.1", port: Number(port), maxRetriesPerRequest: 1 });

async function processBatch(entries, claimed) {
  if (entries.length === 0) return;
  const ns = entries.map(([, fields]) => fields[fields.indexOf("n") + 1]);
  const ids = entries.map(([id]) => id);
  const pipe = redis.pipeline();
  pipe.sadd("pool:done", ...ns);
  pipe.incrby("pool:deliveries", ns.length);
  if (claimed) pipe.incrby("pool:claimed", ns.length);
  pipe.incrby("pool:by:node", ns.length);
  pipe.xack("jobs", "pool", ...ids);
  for (const [err] of await pipe.exec()) if (err) throw err;
}

async function autoclaim() {
  let cursor = "0-0";
  do {
    const [next, entries] = await redis.call("XAUTOCLAIM", "jobs", "pool", name, minIdle, cursor, "COUNT", "100");
    // Entries deleted meanwhile come back as nil; this test deletes none.
    await processBatch(entries.filter((e) => e !== null), true);
    cursor = next;
  } while (cursor !== "0-0");
}

let batches = 0;
try {
  for (;;) {
    if (await redis.exists("pool:stop")) break;
    const reply = await redis.xreadgroup("GROUP", "pool", name, "COUNT", "100", "BLOCK", "100",
                                         "STREAMS", "jobs", ">");
    if (reply === null) {
      await autoclaim();
      continue;
    }
    const entries = reply[0][1];
    if (Number(crashAfter) > 0 && batches >= Number(crashAfter)) {
      console.log(`crash ${name} holding ${entries.length}`);
      process.exit(3);  // no XACK: these stay pending under this consumer
    }
    await processBatch(entries, false);
    batches += 1;
  }
  await redis.quit();
} catch (e) {
  console.error(`worker ${name}: ${e}`);
  process.exit(1);
}
