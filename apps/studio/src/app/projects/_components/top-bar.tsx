import Link from 'next/link';
import { SignOutButton } from './sign-out-button';

export function TopBar({ email }: { email: string }) {
  return (
    <header className="flex items-center justify-between border-b border-slate-200 bg-white px-4 py-2">
      <Link href="/projects" className="font-semibold text-indigo-700">
        Tillflow Studio
      </Link>
      <div className="flex items-center gap-3 text-sm text-slate-600">
        <span className="hidden sm:inline">Signed in as {email}</span>
        <SignOutButton />
      </div>
    </header>
  );
}
