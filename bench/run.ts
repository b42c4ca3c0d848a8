// npm run bench: every benchmark, figures on stdout. `npm run bench -- startup` runs only
// the benchmarks whose names start with the words given. `scale` (a million people, many
// minutes) runs only when named: `npm run bench -- scale` or `npm run bench -- --scale`.
import { benchStartup, benchStartupEmbedded, benchStartupRemote } from './startup.ts';
import { benchUserSearch } from './user-search.ts';
import { benchSignIn, benchTimeline } from './activity.ts';
import { benchBulkPlatform } from './bulk-platform.ts';
import { benchMailDrain } from './mail-drain.ts';
import { benchBulkCli } from './bulk-cli.ts';
import { benchScale } from './scale.ts';
import { benchLoad, benchLoadSignIn } from './load.ts';

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
  ['load', benchLoad],
  ['load-sign-in', benchLoadSignIn],
  ['scale', benchScale],
];
const ONLY_WHEN_NAMED = new Set(['scale']);

const wanted = process.argv.slice(2).map((word) => word.replace(/^--/, ''));
const chosen = BENCHMARKS.filter(([name]) => (wanted.length === 0 ? !ONLY_WHEN_NAMED.has(name) : wanted.some((word) => name.startsWith(word))));
if (chosen.length === 0) {
  console.error(`No benchmark starts with ${wanted.join(' or ')}; the benchmarks: ${BENCHMARKS.map(([name]) => name).join(', ')}.`);
  process.exit(2);
}
for (const [index, [, bench]] of chosen.entries()) {
  if (index > 0) console.log();
  await bench();
}
