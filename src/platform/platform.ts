// Opens a platform: database (migrated), secret key, context, and the HTTP app.
// Both `t1 platform start` and the embedded platform of the CLI come through here.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { cryptoTokens, systemClock, type Clock, type TokenGenerator } from './clock.ts';
import type { PlatformContext } from './context.ts';
import { loadSecretKey, secretBox } from './secret-box.ts';
import { isPostgresUrl, openDatabase } from './storage/database.ts';
import { VERSION } from '../version.ts';

export interface OpenPlatformOptions {
  /** SQLite file or postgres:// URL. */
  database: string;
  publicUrl: string;
  env: NodeJS.ProcessEnv;
  logStream?: NodeJS.WritableStream;
  clock?: Clock;
  tokens?: TokenGenerator;
}

export interface Platform {
  ctx: PlatformContext;
  app: FastifyInstance;
  /** Listens and returns the base URL actually bound. */
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

export function secretKeyFileFor(database: string): string {
  return `${database}.key`;
}

export async function openPlatform(options: OpenPlatformOptions): Promise<Platform> {
  if (isPostgresUrl(options.database) && !options.env.T1_SECRET_KEY) {
    throw new Error('A PostgreSQL platform needs T1_SECRET_KEY (32 bytes as 64 hex characters).');
  }
  const key = loadSecretKey(options.env, secretKeyFileFor(options.database));
  const db = await openDatabase({ location: options.database });
  const ctx: PlatformContext = {
    db,
    clock: options.clock ?? systemClock,
    tokens: options.tokens ?? cryptoTokens,
    secrets: secretBox(key),
    publicUrl: options.publicUrl,
    version: VERSION,
  };
  const app = await buildApp(ctx, { logStream: options.logStream });
  return {
    ctx,
    app,
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return `http://${shownHost}:${boundPort}`;
    },
    async close() {
      await app.close();
      await db.destroy();
    },
  };
}
