// Builds the platform's HTTP app without listening, so tests can drive it in-process.
import Fastify, { type FastifyInstance } from 'fastify';
import type { PlatformContext } from './context.ts';
import { installErrorHandling } from './routes/error-handler.ts';
import { edgeHeaders, frameworkErrorAnswer, installEdgeAnswers, installRequestChecks, MAX_HEADER_BYTES, MAX_PARAM_LENGTH } from './routes/http-edge.ts';
import { installAuth } from './routes/admin/auth-hook.ts';
import { userRoutes } from './routes/admin/users.ts';
import { eventRoutes } from './routes/admin/events.ts';
import { tokenRoutes } from './routes/admin/tokens.ts';
import { actionRoutes } from './routes/admin/actions.ts';
import { identityRoutes } from './routes/admin/identity.ts';
import { recordRoutes } from './routes/admin/records.ts';
import { organisationRoutes } from './routes/admin/organisation.ts';
import { smsRoutes } from './routes/admin/sms.ts';
import { bulkInvitationRoutes } from './routes/admin/bulk-invitations.ts';
import { authRoutes, STAFF_SIGN_IN_ROUTES } from './routes/auth.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { installWebKit } from './routes/web/kit.ts';
import { linkPageRoutes } from './routes/web/link-pages.ts';
import { signInRoutes } from './routes/web/sign-in.ts';
import { accountRoutes } from './routes/web/account.ts';
import { registrationPageRoutes } from './routes/web/registration-pages.ts';
import { loggedError, loggedUrl } from './redact.ts';
import { opsRoutes, type Readiness } from './routes/ops.ts';
import type { PlatformMetrics } from './metrics.ts';
import { RateLimitedError } from './services/rate-limit.ts';
import { HttpError } from './http-error.ts';

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
  /** Answers /readyz. */
  readiness: Readiness;
  /** Where request latencies and rate-limit refusals are counted; none when metrics are off. */
  metrics?: PlatformMetrics;
  /** Serve GET /metrics on this app (not when metrics have a port of their own). */
  metricsRoute?: boolean;
}

const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(ctx: PlatformContext, options: AppOptions): Promise<FastifyInstance> {
  // Set once the app exists: Node's parser failures are answered with the app's context.
  let clientError: ReturnType<typeof installEdgeAnswers> | undefined;
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? false,
    // While stopping, a request on a kept-alive connection is still answered (with
    // Connection: close); /readyz then says 503 in the error envelope.
    return503OnClosing: false,
    // A missing Host header is answered by installRequestChecks, in the envelope, not by Node.
    http: { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    genReqId: () => `req_${ctx.tokens.id()}`,
    frameworkErrors: frameworkErrorAnswer(ctx),
    clientErrorHandler: (error, socket) => clientError?.(error, socket),
    logger: options.logStream
      ? {
          stream: options.logStream,
          level: options.logLevel ?? 'info',
          // Headers, cookies and bodies are never logged; see redact.ts for the rest.
          serializers: {
            req: (req) => ({ method: req.method, url: loggedUrl(req), remoteAddress: req.ip }),
            err: loggedError,
          },
        }
      : false,
  });
  clientError = installEdgeAnswers(app, ctx);
  installRequestChecks(app, ctx);
  // Only JSON bodies on the API; the pages take forms (see installWebKit).
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (request, reply) => {
    reply.headers(edgeHeaders(ctx, String(request.id)));
    // Stopping: a kept-alive connection closes after its answer, so none outlives the drain.
    if (options.readiness.isStopping()) reply.header('connection', 'close');
  });
  installErrorHandling(app);
  const { metrics } = options;
  if (metrics) {
    // By route pattern, never the URL: paths carry link tokens and email addresses.
    app.addHook('onResponse', async (request, reply) => {
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    });
    app.addHook('onError', async (request, _reply, error) => {
      if (error instanceof RateLimitedError) metrics.rateLimited(error.limit);
      if (error instanceof HttpError && STAFF_SIGN_IN_ROUTES.has(request.routeOptions.url ?? '') && (error.status === 401 || error.status === 429)) {
        metrics.staffSignInFailed(typeof error.details?.reason === 'string' ? error.details.reason : error.code);
      }
    });
  }
  opsRoutes(app, { readiness: options.readiness, metrics: options.metricsRoute ? metrics : undefined });

  app.get('/v1/health', async () => ({ ok: true, version: ctx.version }));
  authRoutes(app, ctx);
  await app.register(async (hooks) => webhookRoutes(hooks, ctx));

  await app.register(async (web) => {
    await installWebKit(web, ctx);
    linkPageRoutes(web, ctx);
    signInRoutes(web, ctx);
    accountRoutes(web, ctx);
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
      smsRoutes(admin, ctx);
      bulkInvitationRoutes(admin, ctx);
    },
    { prefix: '/v1' },
  );
  return app;
}
