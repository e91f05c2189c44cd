import { headers } from 'next/headers';
import Link from 'next/link';
import { getSessionFromHeaders } from '~/server/auth';
import { AcceptInvitation } from './accept-invitation';

// An invitation link (server/teams/invitations.ts). Signed out: sign in or sign up first, then come back here.
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const session = await getSessionFromHeaders(await headers());
  const next = encodeURIComponent(`/invite/${token}`);
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="card w-full max-w-md space-y-4">
        <h1 className="text-xl font-semibold">You are invited to a Tillflow project</h1>
        {session ? (
          <AcceptInvitation token={token} email={session.user.email} />
        ) : (
          <>
            <p className="text-sm text-slate-600">
              Sign in, or create an account, with the email address the invitation was sent to. You come back here
              afterwards to accept it.
            </p>
            <div className="flex gap-2">
              <Link className="btn" href={`/sign-in?next=${next}`}>
                Sign in
              </Link>
              <Link className="btn-secondary" href={`/sign-up?next=${next}`}>
                Create an account
              </Link>
            </div>
          </>
        )}
      </div>
    </main>
  );
}
