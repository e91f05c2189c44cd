'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useAppInfo, useSlug } from './hooks';
import { useAppTRPC } from './trpc';

export function AppShell({ children }: { children: React.ReactNode }) {
  const slug = useSlug();
  const info = useAppInfo();
  const pathname = usePathname();
  const router = useRouter();
  const trpc = useAppTRPC();
  const queryClient = useQueryClient();
  const signOut = useMutation(
    trpc.app.signOut.mutationOptions({
      onSuccess: async () => {
        await queryClient.resetQueries();
        router.push(`/app/${slug}`);
      },
    }),
  );
  const me = info.data?.me;
  const base = `/app/${slug}`;
  const links = [
    { href: base, label: 'Shop' },
    ...(me
      ? [
          { href: `${base}/orders`, label: 'My orders' },
          // Only shops that sell something recurring have subscriptions to show.
          ...(info.data?.sellsSubscriptions || pathname === `${base}/subscriptions`
            ? [{ href: `${base}/subscriptions`, label: 'My subscriptions' }]
            : []),
        ]
      : []),
    ...(me && info.data?.can.refund ? [{ href: `${base}/admin`, label: 'Admin' }] : []),
  ];
  const payments = info.data?.payments;
  return (
    <div className="min-h-screen bg-gray-50 text-gray-900">
      <header className="border-b bg-white">
        <div className="mx-auto flex max-w-4xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
          <Link href={base} className="flex items-center gap-2 text-lg font-semibold">
            {payments?.brandLogo ? (
              // biome-ignore lint/performance/noImgElement: builder-provided data URL or remote logo
              <img src={payments.brandLogo} alt="" className="h-7 w-7 rounded object-contain" />
            ) : null}
            {payments?.brandName || info.data?.title || 'App'}
          </Link>
          {payments?.usesSandbox ? (
            <span className="rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-800">sandbox</span>
          ) : null}
          <nav aria-label="App" className="flex flex-wrap gap-1">
            {links.map((l) => (
              <Link
                key={l.href}
                href={l.href}
                aria-current={pathname === l.href ? 'page' : undefined}
                className={`rounded px-3 py-2 text-sm ${pathname === l.href ? 'bg-gray-900 text-white' : 'hover:bg-gray-100'}`}
              >
                {l.label}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-2 text-sm">
            {me ? (
              <>
                <span className="hidden text-gray-600 sm:inline" data-testid="signed-in-as">
                  {me.email}
                </span>
                <button
                  type="button"
                  onClick={() => signOut.mutate({ projectSlug: slug })}
                  className="rounded border px-3 py-2 hover:bg-gray-100"
                >
                  Sign out
                </button>
              </>
            ) : info.isSuccess ? (
              <>
                <Link href={`${base}/sign-in`} className="rounded px-3 py-2 hover:bg-gray-100">
                  Sign in
                </Link>
                <Link href={`${base}/sign-up`} className="rounded bg-gray-900 px-3 py-2 text-white">
                  Sign up
                </Link>
              </>
            ) : null}
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-4xl px-4 py-6">{children}</main>
    </div>
  );
}
