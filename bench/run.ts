// npm run bench: every benchmark, figures on stdout.
import { benchStartup } from './startup.ts';
import { benchUserSearch } from './user-search.ts';
import { benchSignIn, benchTimeline } from './activity.ts';
import { benchBulkPlatform } from './bulk-platform.ts';
import { benchMailDrain } from './mail-drain.ts';
import { benchBulkCli } from './bulk-cli.ts';

benchStartup();
console.log();
await benchUserSearch();
console.log();
await benchSignIn();
console.log();
await benchTimeline();
console.log();
await benchBulkCli();
console.log();
await benchBulkPlatform();
console.log();
await benchMailDrain();
