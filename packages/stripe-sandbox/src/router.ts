import type { Handler, Route } from './context';

interface CompiledRoute {
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
  pure: boolean;
}

/** Matches `/v1/customers/:id`-style paths; returns the handler and decoded path params. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/:([a-z_]+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return {
        method: route.method,
        path: route.path,
        pattern: new RegExp(`^${source}$`),
        names,
        handler: route.handler,
        pure: route.pure === true,
      };
    });
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; path: string; params: Record<string, string>; pure: boolean } | null {
    for (const route of this.compiled) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      return { handler: route.handler, path: route.path, params, pure: route.pure };
    }
    return null;
  }

  /** Whether any method serves this path (so unknown methods get Stripe's 404 rather than a 405). */
  knows(path: string): boolean {
    return this.compiled.some((r) => r.pattern.test(path));
  }
}
