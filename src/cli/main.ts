// Entry point of bin/t1.js. `t1 --version` answers without loading anything else.
import { argv, env, stdout } from 'node:process';

// A reader that goes away early (`t1 users find a | head -1`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const args = argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../version.ts');
  stdout.write(`${VERSION}\n`);
} else {
  const [{ runCli }, { processIO }] = await Promise.all([import('./program.ts'), import('./io.ts')]);
  process.exitCode = await runCli(args, processIO(), env);
}
