// Drives the ZooKeeper C client (the `zookeeper` npm package builds the bundled 3.8.0 C library;
// Mesos itself links this client) from Node, since the addon is not a Node-API module Bun can
// load. Usage: node c-client-script.cjs <port> <base path>. Prints one JSON object of results.
"use strict";
const ZooKeeper = require("zookeeper");

const [port, base] = process.argv.slice(2);
const C = ZooKeeper.constants;
const out = {};
const code = (e) => Number(String(e && e.message).split(" ")[0]);

/** Sets a watch with an aw_* call and resolves once the server has answered it, so the watch is armed. */
function armWatch(zk, method, path) {
  return new Promise((armed) => {
    const fired = new Promise((resolve) => {
      // Wrapped: resolving with the promise itself would wait for it.
      zk[method](path, (type, state, p) => resolve({ type, state, path: p }), () => armed({ fired }));
    });
  });
}

function connect() {
  const zk = new ZooKeeper({ connect: `127.0.0.1:${port}`, timeout: 10000, debug_level: C.ZOO_LOG_LEVEL_ERROR, host_order_deterministic: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("C client did not connect")), 15000);
    zk.once("connect", () => {
      clearTimeout(timer);
      resolve(zk);
    });
    zk.init({});
  });
}

async function main() {
  const zk = await connect();
  const other = await connect();
  out.created = await zk.create(base, "root", C.ZOO_PERSISTENT);
  out.ephemeral = await zk.create(`${base}/e`, "", C.ZOO_EPHEMERAL);
  out.seq = [await zk.create(`${base}/s-`, "", C.ZOO_PERSISTENT_SEQUENTIAL), await zk.create(`${base}/s-`, "", C.ZOO_EPHEMERAL_SEQUENTIAL)];
  out.container = await zk.create(`${base}/box`, "", C.ZOO_CONTAINER);
  out.ttl = await zk.create(`${base}/ttl`, "", C.ZOO_PERSISTENT_WITH_TTL, 60000);
  out.duplicate = await zk.create(base, "", C.ZOO_PERSISTENT).catch(code);
  out.noParent = await zk.create(`${base}/x/y`, "", C.ZOO_PERSISTENT).catch(code);
  out.ephemeralChild = await zk.create(`${base}/e/kid`, "", C.ZOO_PERSISTENT).catch(code);
  const [stat, data] = await zk.get(base, false);
  out.get = { data: data.toString(), version: stat.version, numChildren: stat.numChildren, dataLength: stat.dataLength };
  const ephStat = await zk.exists(`${base}/e`, false);
  out.ephemeralOwnerIsSession = ephStat.ephemeralOwner === zk.client_id;
  out.children = (await zk.get_children(base, false)).sort();
  const watched = (await armWatch(other, "aw_get", base)).fired;
  out.set = (await zk.set(base, "v1", 0)).version;
  out.badVersion = await zk.set(base, "v2", 0).catch(code);
  out.watch = await watched;
  const childWatch = (await armWatch(other, "aw_get_children", base)).fired;
  await zk.delete_(out.seq[0], -1);
  out.childWatch = await childWatch;
  out.notEmpty = await zk.delete_(base, -1).catch(code);
  out.missing = await zk.exists(`${base}/nope`, false).catch(code);
  await new Promise((resolve, reject) => zk.add_auth("digest", "carol:pw", (rc) => (rc === 0 ? resolve() : reject(new Error(String(rc))))));
  await zk.set_acl(`${base}/box`, -1, [{ perms: C.ZOO_PERM_ALL, scheme: "digest", auth: "carol:RffyCdXXV1Js0ywLAoP5/l25yKs=" }]);
  out.acl = (await zk.get_acl(`${base}/box`))[0];
  out.noAuth = await other.get(`${base}/box`, false).catch(code);
  out.sync = await zk.sync(base).then(() => "ok", code);
  const ephemeralGone = (await armWatch(other, "aw_exists", `${base}/e`)).fired.then(({ type, path }) => ({ type, path }));
  await zk.close();
  out.afterClose = await ephemeralGone;
  out.afterCloseChildren = (await other.get_children(base, false)).sort();
  await other.close();
}

main()
  .then(() => {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exit(0);
  })
  .catch((e) => {
    process.stdout.write(`${JSON.stringify({ error: String(e && e.stack ? e.stack : e), partial: out })}\n`);
    process.exit(1);
  });
