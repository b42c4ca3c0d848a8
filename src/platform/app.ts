// Builds the platform's HTTP app without listening, so tests can drive it in-process.
import Fastify, { type FastifyInstance } from 'fastify';
import type { PlatformContext } from './context.ts';
import { installErrorHandling, sendError } from './routes/error-handler.ts';
import { installAuth } from './routes/admin/auth-hook.ts';
import { userRoutes } from './routes/admin/users.ts';
import { eventRoutes } from './routes/admin/events.ts';
import { tokenRoutes } from './routes/admin/tokens.ts';
import { actionRoutes } from './routes/admin/actions.ts';
import { identityRoutes } from './routes/admin/identity.ts';
import { recordRoutes } from './routes/admin/records.ts';
import { organisationRoutes } from './routes/admin/organisation.ts';
import { bulkInvitationRoutes } from './routes/admin/bulk-invitations.ts';
import { authRoutes } from './routes/auth.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { installWebKit, SECURITY_HEADERS } from './routes/web/kit.ts';
import { linkPageRoutes } from './routes/web/link-pages.ts';
import { signInRoutes } from './routes/web/sign-in.ts';
import { registrationPageRoutes } from './routes/web/registration-pages.ts';
import { redactUrl } from './redact.ts';

export interface AppOptions {
  /** Where logs go as JSON lines; none for the embedded platform and tests. */
  logStream?: NodeJS.WritableStream;
  /** 'info' logs every request; 'error' only failures. */
  logLevel?: 'info' | 'error';
  /**
   * Behind a load balancer: whose X-Forwarded-For to believe (true for any, or proxy
   * addresses/CIDRs, comma-separated), so per-address limits see the visitor.
   */
  trustProxy?: boolean | string;
}

const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(ctx: PlatformContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    genReqId: () => `req_${ctx.tokens.id()}`,
    // Router-level failures (a bad URL, an over-long path) get the same envelope.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', String(request.id));
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const message = status === 414 ? 'A part of the URL is too long.' : 'The URL is not valid.';
      void sendError(reply, request, status, { code: 'bad_request', message });
    },
    logger: options.logStream
      ? {
          stream: options.logStream,
          level: options.logLevel ?? 'info',
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          serializers: {
            req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
          },
        }
      : false,
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', String(request.id));
    reply.header('cache-control', 'no-store');
    reply.headers(SECURITY_HEADERS);
  });
  installErrorHandling(app);

  app.get('/v1/health', async () => ({ ok: true, version: ctx.version }));
  authRoutes(app, ctx);
  await app.register(async (hooks) => webhookRoutes(hooks, ctx));

  await app.register(async (web) => {
    await installWebKit(web);
    linkPageRoutes(web, ctx);
    signInRoutes(web, ctx);
    registrationPageRoutes(web, ctx);
  });

  await app.register(
    async (admin) => {
      installAuth(admin, ctx);
      userRoutes(admin, ctx);
      eventRoutes(admin, ctx);
      tokenRoutes(admin, ctx);
      actionRoutes(admin, ctx);
      identityRoutes(admin, ctx);
      recordRoutes(admin, ctx);
      organisationRoutes(admin, ctx);
      bulkInvitationRoutes(admin, ctx);
    },
    { prefix: '/v1' },
  );
  return app;
}
