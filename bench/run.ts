// npm run bench: every benchmark, figures on stdout.
import { benchStartup } from './startup.ts';
import { benchUserSearch } from './user-search.ts';

benchStartup();
console.log();
await benchUserSearch();
