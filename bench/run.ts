// npm run bench: every benchmark, figures on stdout.
import { benchStartup } from './startup.ts';
import { benchUserSearch } from './user-search.ts';
import { benchSignIn, benchTimeline } from './activity.ts';

benchStartup();
console.log();
await benchUserSearch();
console.log();
await benchSignIn();
console.log();
await benchTimeline();
