import { type NextRequest, NextResponse } from 'next/server';
import { pageSecurityHeaders } from './server/http/security-headers';

// Pages only: security headers per surface (studio or generated app), computed per
// request because the sandbox's address is known only once it has started.
export function proxy(request: NextRequest) {
  const response = NextResponse.next();
  for (const [name, value] of Object.entries(pageSecurityHeaders(request.nextUrl.pathname)))
    response.headers.set(name, value);
  return response;
}

// Never API routes: Next buffers the body of every request a proxy sees (up to
// 10 MB), which would undo the capped reads of webhooks, REST, tRPC and auth.
export const config = {
  matcher: ['/((?!api/|app/[^/]+/api/|_next/static|_next/image|favicon\\.ico).*)'],
};
