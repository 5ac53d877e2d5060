// actions/cache stand-in, main step: restore (see tests/workflows/standins/_lib/cache.py).
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const lib = process.env.ACT_STANDIN_LIB;
if (!lib) {
  console.log("::error::ACT_STANDIN_LIB is not set: run this workflow through tests/workflows/act.py");
  process.exit(1);
}
const done = spawnSync("python3", [path.join(lib, "cache.py"), "restore", "actions/cache"], { stdio: "inherit" });
process.exit(done.status ?? 1);
