'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useSlug } from './hooks';
import { useAppTRPC } from './trpc';
import { ErrorText } from './ui';

export function CredentialsForm({ mode }: { mode: 'sign-in' | 'sign-up' }) {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const onSuccess = async () => {
    await queryClient.invalidateQueries();
    router.push(`/app/${slug}`);
  };
  const signIn = useMutation(trpc.app.signIn.mutationOptions({ onSuccess }));
  const signUp = useMutation(trpc.app.signUp.mutationOptions({ onSuccess }));
  const mutation = mode === 'sign-in' ? signIn : signUp;
  const title = mode === 'sign-in' ? 'Sign in' : 'Create an account';
  return (
    <form
      className="mx-auto flex max-w-sm flex-col gap-3 rounded-lg border bg-white p-6"
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate({ projectSlug: slug, email, password });
      }}
    >
      <h1 className="text-xl font-semibold">{title}</h1>
      <label className="flex flex-col gap-1 text-sm">
        Email
        <input
          type="email"
          required
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          className="rounded border px-3 py-2"
        />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Password
        <input
          type="password"
          required
          minLength={mode === 'sign-up' ? 8 : undefined}
          autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="rounded border px-3 py-2"
        />
      </label>
      <ErrorText error={mutation.error} />
      <button
        type="submit"
        disabled={mutation.isPending}
        className="rounded bg-gray-900 px-3 py-2 text-white disabled:opacity-50"
      >
        {mutation.isPending ? 'Please wait…' : title}
      </button>
      <p className="text-sm text-gray-600">
        {mode === 'sign-in' ? (
          <>
            No account yet?{' '}
            <Link href={`/app/${slug}/sign-up`} className="underline">
              Sign up
            </Link>
          </>
        ) : (
          <>
            Already registered?{' '}
            <Link href={`/app/${slug}/sign-in`} className="underline">
              Sign in
            </Link>
          </>
        )}
      </p>
    </form>
  );
}
