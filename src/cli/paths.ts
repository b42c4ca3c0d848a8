// Where t1 keeps its config and the embedded platform's data. T1_HOME moves both.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface T1Paths {
  configDir: string;
  dataDir: string;
}

export function t1Paths(env: NodeJS.ProcessEnv): T1Paths {
  if (env.T1_HOME) return { configDir: env.T1_HOME, dataDir: join(env.T1_HOME, 'data') };
  const home = homedir();
  return {
    configDir: join(env.XDG_CONFIG_HOME || join(home, '.config'), 't1'),
    dataDir: join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 't1'),
  };
}

export function embeddedDatabaseFile(paths: T1Paths): string {
  return join(paths.dataDir, 'platform.db');
}
