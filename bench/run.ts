// npm run bench: every benchmark, figures on stdout. `npm run bench -- startup` runs only
// the benchmarks whose names start with the words given.
import { benchStartup, benchStartupEmbedded, benchStartupRemote } from './startup.ts';
import { benchUserSearch } from './user-search.ts';
import { benchSignIn, benchTimeline } from './activity.ts';
import { benchBulkPlatform } from './bulk-platform.ts';
import { benchMailDrain } from './mail-drain.ts';
import { benchBulkCli } from './bulk-cli.ts';

const BENCHMARKS: [string, () => unknown][] = [
  ['startup', benchStartup],
  ['startup-remote', benchStartupRemote],
  ['startup-embedded', benchStartupEmbedded],
  ['user-search', benchUserSearch],
  ['sign-in', benchSignIn],
  ['timeline', benchTimeline],
  ['bulk-cli', benchBulkCli],
  ['bulk-platform', benchBulkPlatform],
  ['mail-drain', benchMailDrain],
];

const wanted = process.argv.slice(2);
const chosen = BENCHMARKS.filter(([name]) => wanted.length === 0 || wanted.some((word) => name.startsWith(word)));
if (chosen.length === 0) {
  console.error(`No benchmark starts with ${wanted.join(' or ')}; the benchmarks: ${BENCHMARKS.map(([name]) => name).join(', ')}.`);
  process.exit(2);
}
for (const [index, [, bench]] of chosen.entries()) {
  if (index > 0) console.log();
  await bench();
}
