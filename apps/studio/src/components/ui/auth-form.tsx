'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { authClient } from '~/lib/auth-client';
import { passwordWeakness } from '~/lib/password-policy';

// better-auth answers with codes; builders get sentences they can act on.
const messages: Record<string, string> = {
  USER_ALREADY_EXISTS: 'An account with this email already exists. Sign in instead.',
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: 'An account with this email already exists. Sign in instead.',
  INVALID_EMAIL_OR_PASSWORD: 'Wrong email or password.',
  PASSWORD_TOO_SHORT: 'Password is too weak: use at least 8 characters.',
  INVALID_EMAIL: 'Enter a valid email address.',
};

export function AuthForm({ mode }: { mode: 'sign-in' | 'sign-up' }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    setError(null);
    if (mode === 'sign-up') {
      const weakness = passwordWeakness(password);
      if (weakness) return setError(weakness);
    }
    setPending(true);
    const result =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name') ?? '') || email })
        : await authClient.signIn.email({ email, password });
    setPending(false);
    if (result.error) {
      const code = result.error.code ?? '';
      return setError(messages[code] ?? result.error.message ?? 'Something went wrong. Try again.');
    }
    // Back to where sign-in was asked for (an invitation link), on this site only.
    const next = new URLSearchParams(window.location.search).get('next');
    router.push(next && /^\/(?![/\\])/.test(next) ? next : '/projects');
    router.refresh();
  }

  const title = mode === 'sign-up' ? 'Create your Tillflow account' : 'Sign in to Tillflow';
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form onSubmit={onSubmit} className="card w-full max-w-sm space-y-4" noValidate>
        <h1 className="text-xl font-semibold">{title}</h1>
        {mode === 'sign-up' && (
          <div>
            <label className="label" htmlFor="name">
              Name
            </label>
            <input className="input" id="name" name="name" autoComplete="name" />
          </div>
        )}
        <div>
          <label className="label" htmlFor="email">
            Email
          </label>
          <input className="input" id="email" name="email" type="email" autoComplete="email" required />
        </div>
        <div>
          <label className="label" htmlFor="password">
            Password
          </label>
          <input
            className="input"
            id="password"
            name="password"
            type="password"
            autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
            required
          />
        </div>
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
        <button className="btn w-full" type="submit" disabled={pending}>
          {mode === 'sign-up' ? 'Sign up' : 'Sign in'}
        </button>
        <p className="text-center text-sm text-slate-600">
          {mode === 'sign-up' ? (
            <>
              Already have an account?{' '}
              <Link className="text-indigo-600 underline" href="/sign-in">
                Sign in
              </Link>
            </>
          ) : (
            <>
              New to Tillflow?{' '}
              <Link className="text-indigo-600 underline" href="/sign-up">
                Create an account
              </Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
