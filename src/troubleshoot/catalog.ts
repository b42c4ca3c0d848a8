// Every runbook in topics/: adding a topic is adding a file there that exports
// `runbook`. Loaded only by the commands that troubleshoot.
import { readdirSync } from 'node:fs';
import { TOPIC_GROUPS, type Runbook } from './runbook.ts';

const TOPICS_DIR = new URL('./topics/', import.meta.url);

export async function loadRunbooks(): Promise<Runbook[]> {
  const files = readdirSync(TOPICS_DIR)
    .filter((name) => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
  const runbooks = await Promise.all(files.map(async (name) => ((await import(new URL(name, TOPICS_DIR).href)) as { runbook: Runbook }).runbook));
  return runbooks.sort((a, b) => TOPIC_GROUPS.indexOf(a.group) - TOPIC_GROUPS.indexOf(b.group) || a.title.localeCompare(b.title));
}

export async function findRunbook(id: string): Promise<Runbook | undefined> {
  return (await loadRunbooks()).find((runbook) => runbook.id === id);
}
