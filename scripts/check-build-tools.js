// npm runs this before building t1 after `npm install` / `npm ci` in a clone, and before
// `npm pack`. The build needs esbuild, a development dependency: an install without them
// (`npm ci --omit=dev`) stops here with what to do instead of a missing-module error.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

try {
  require.resolve('esbuild');
} catch {
  process.stderr.write(
    [
      't1 cannot be built here: its build tools are development dependencies, and this install left them out (--omit=dev).',
      'To use t1 on this machine, install a packed t1 instead (in a full clone: npm pack; then here: npm install -g ./t1-<version>.tgz),',
      'or install with the development dependencies: npm ci',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
