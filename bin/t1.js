#!/usr/bin/env node
// Checks the Node.js version before loading anything else: on an older Node the built
// CLI would fail with a syntax error or a missing API instead of saying what is wrong.
// Written so that Node.js 14 and later can still parse and run this check.
var REQUIRED = [22, 22];
var running = process.versions.node.split('.').map(Number);
if (running[0] < REQUIRED[0] || (running[0] === REQUIRED[0] && running[1] < REQUIRED[1])) {
  process.stderr.write('t1 needs Node.js ' + REQUIRED.join('.') + ' or later; this is ' + process.versions.node + '.\n');
  process.exit(1);
}

var BUNDLE = new URL('../bundle/main.js', import.meta.url);

// process.getBuiltinModule, not import(): an ES import of a Node module costs more.
if (!process.getBuiltinModule('node:fs').existsSync(BUNDLE)) {
  process.stderr.write('t1 is not built: run "npm install" and then "npm run build" in its folder (building needs the development dependencies).\n');
  process.exit(1);
}
// Keeps V8's compiled code between runs (in the system's temporary folder), so a command
// does not compile the whole bundle again each time.
process.getBuiltinModule('node:module').enableCompileCache();
import(BUNDLE.href);
