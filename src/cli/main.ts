// Entry point of bin/t1.js. `t1 --version` answers without loading anything else.
import { argv, env, stdout } from 'node:process';

const args = argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../version.ts');
  stdout.write(`${VERSION}\n`);
} else {
  const [{ runCli }, { processIO }] = await Promise.all([import('./program.ts'), import('./io.ts')]);
  process.exitCode = await runCli(args, processIO(), env);
}
