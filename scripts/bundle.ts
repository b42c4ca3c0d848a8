// Bundles the CLI (and the embedded platform it can start) into bundle/, which bin/t1.js
// runs: unbundled, t1 spent most of its start-up finding and reading thousands of module
// files. Code shared by commands is split into chunks, so each command still loads only
// what it uses. Run by `npm run build`, after `npm install` and before `npm pack`.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** One level below the package root: src/version.ts reads `../package.json` from its module. */
const BUNDLE_DIR = join(ROOT, 'bundle');

/**
 * Loaded from node_modules at run time (the package's `dependencies`): native add-ons,
 * whose prebuilt binary comes in a package of its own for each platform, and the
 * PostgreSQL and SMTP clients, which only some commands load and which have optional
 * parts of their own. string-width is also a dependency, though not listed here: the
 * packages bundled with t1 have copies of their own, and src/cli/render/text-width.ts
 * requires t1's own at run time, out of esbuild's sight, only for text other than ASCII.
 */
const EXTERNAL_PACKAGES = ['@node-rs/argon2', '@napi-rs/keyring', 'pg', 'nodemailer'];

// The troubleshooting catalog lists the topic files of its folder at run time. A bundle
// has no such folder, so the list is made when the bundle is built: adding a topic is
// still adding a file.
const TOPICS_DIR = join(ROOT, 'src', 'troubleshoot', 'topics');
const LISTING = 'readdirSync(TOPICS_DIR)';
const LOADING = 'import(new URL(name, TOPICS_DIR).href)';

const topicsListedAtBuild: Plugin = {
  name: 'troubleshoot-topics',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/]troubleshoot[\\/]catalog\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(LISTING) || !source.includes(LOADING)) {
        throw new Error(`src/troubleshoot/catalog.ts no longer finds its topics with ${LISTING} and ${LOADING}; update scripts/bundle.ts to match.`);
      }
      const loaders = readdirSync(TOPICS_DIR)
        .filter((name) => name.endsWith('.ts'))
        .map((name) => `  ${JSON.stringify(name)}: () => import(${JSON.stringify(`./topics/${name}`)}),`);
      const contents =
        source.replace(LISTING, 'Object.keys(BUNDLED_TOPICS)').replace(LOADING, 'BUNDLED_TOPICS[name]!()') +
        `\nconst BUNDLED_TOPICS: Record<string, () => Promise<unknown>> = {\n${loaders.join('\n')}\n};\n`;
      return { contents, loader: 'ts' };
    });
  },
};

// `import { z } from 'zod'` hands esbuild a namespace object it must build whole, every
// locale included (three times the code the schemas use). Imported as `* as z`, only
// the members used are kept. Same bindings, only the import's form changes.
const NAMED_ZOD = /^import \{ z \} from 'zod';$/m;

const zodMembersOnly: Plugin = {
  name: 'zod-members-only',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!NAMED_ZOD.test(source)) return undefined;
      return { contents: source.replace(NAMED_ZOD, "import * as z from 'zod';"), loader: 'ts' };
    });
  },
};

// Node's own modules are loaded with require(). Imported as ES modules, each makes Node
// build an ES module view of it that reads every lazily computed property: about 15 ms
// for node:crypto or node:process, 80 ms for node:http, which then loads Node's own copy
// of undici. Same module objects either way.
const BUILTIN = new RegExp(`^(node:.+|${builtinModules.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);

const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(builder) {
    builder.onResolve({ filter: BUILTIN }, (args) =>
      args.namespace === 'builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// CommonJS libraries inside an ES module bundle still call require() for Node's own modules.
const BANNER = "import { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);";

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: BUNDLE_DIR,
  write: false,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.22',
  external: EXTERNAL_PACKAGES,
  plugins: [topicsListedAtBuild, zodMembersOnly, builtinsByRequire],
  banner: { js: BANNER },
  chunkNames: 'chunk-[hash]',
  legalComments: 'eof',
  logLevel: 'warning',
}).catch(() => process.exit(1)); // esbuild has printed the errors

// Commands already running may still load chunks of the bundle they started with: each
// file is replaced in one step (chunks first, main.js last), and only then are the chunks
// no longer used removed.
function replaceFile(path: string, contents: Uint8Array): void {
  writeFileSync(`${path}.${process.pid}.tmp`, contents);
  renameSync(`${path}.${process.pid}.tmp`, path);
}

mkdirSync(BUNDLE_DIR, { recursive: true });
const entry = result.outputFiles.find((file) => basename(file.path) === 'main.js');
if (!entry) throw new Error('esbuild made no main.js');
for (const file of result.outputFiles) if (file !== entry) replaceFile(file.path, file.contents);
replaceFile(entry.path, entry.contents);
const current = new Set(result.outputFiles.map((file) => basename(file.path)));
for (const name of readdirSync(BUNDLE_DIR)) if (!current.has(name)) rmSync(join(BUNDLE_DIR, name), { force: true });
