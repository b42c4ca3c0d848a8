// The routes a Fastify app registered, read from its route tree, so the fuzz suite
// covers a new route without anyone adding it to a list.
import type { FastifyInstance } from 'fastify';

export interface RouteSpec {
  path: string;
  methods: string[];
}

export function registeredRoutes(app: FastifyInstance): RouteSpec[] {
  const routes: RouteSpec[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const [, indent = '', segment = '', methods] = match;
    stack.length = indent.length / 4;
    stack.push(segment);
    if (methods) routes.push({ path: stack.join(''), methods: methods.split(', ') });
  }
  return routes;
}
