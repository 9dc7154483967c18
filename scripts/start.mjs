// `npm start`: a working local instance from a fresh clone. Local D1, KV and R2 persist under
// .wrangler/state; migrations are applied before the server starts.
import { spawnSync, spawn } from "node:child_process";

function run(args) {
  const result = spawnSync("npx", ["wrangler", ...args], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status || 1);
}

run(["d1", "migrations", "apply", "DB", "--local"]);

const port = process.env.PORT ?? "8787";
const dev = spawn("npx", ["wrangler", "dev", "--port", port, "--ip", process.env.HOST ?? "127.0.0.1"], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
