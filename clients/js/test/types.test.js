// index.d.ts is hand-written: tsc --strict checks that the README's usage compiles against it
// and that the misuses marked @ts-expect-error are caught.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const TSC = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
const USAGE = fileURLToPath(new URL("./types/usage.ts", import.meta.url));

test("index.d.ts types the documented usage and refuses misuse (tsc --strict)", { skip: !existsSync(TSC) && "typescript is not installed (npm ci)" }, () => {
  const result = spawnSync(process.execPath, [TSC, "--strict", "--noEmit", "--target", "es2022", "--module", "nodenext",
    "--moduleResolution", "nodenext", "--lib", "es2022,dom", USAGE], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
