// Builds the browser assets committed under ivr/web/static/ (run: npm ci && npm run build, or
// scripts/build-web.sh). Nothing is ever loaded from a CDN: the product runs offline.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "ivr", "web", "static");
mkdirSync(out, { recursive: true });

// JsSIP has no browser bundle in its npm package: expose it as window.JsSIP.
await build({
  stdin: { contents: "import * as JsSIP from 'jssip'; window.JsSIP = JsSIP;", resolveDir: here },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  legalComments: "inline",
  outfile: join(out, "jssip.min.js"),
});

copyFileSync(join(here, "node_modules", "htmx.org", "dist", "htmx.min.js"), join(out, "htmx.min.js"));
copyFileSync(join(here, "node_modules", "htmx-ext-sse", "dist", "sse.min.js"), join(out, "htmx-ext-sse.min.js"));
console.log("built into", out);
