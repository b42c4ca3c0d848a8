// Wall time of `t1 --version` and `t1 --help` against bare `node -e 0`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, ms } from './stats.ts';

const BIN = fileURLToPath(new URL('../bin/t1.js', import.meta.url));
const RUNS = 21;

function wallTime(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function measure(args: string[]): number {
  wallTime(args); // warm the file cache
  return median(Array.from({ length: RUNS }, () => wallTime(args)));
}

export function benchStartup(): Record<string, number> {
  const baseline = measure(['-e', '0']);
  const version = measure([BIN, '--version']);
  const help = measure([BIN, '--help']);
  console.log(`startup (median of ${RUNS} runs)`);
  console.log(`  node -e 0       ${ms(baseline)}`);
  console.log(`  t1 --version    ${ms(version)}  (+${ms(version - baseline)})`);
  console.log(`  t1 --help       ${ms(help)}  (+${ms(help - baseline)})`);
  return { baseline, version, help };
}
