import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="text-slate-600">This page does not exist, or you do not have access to it.</p>
      <Link className="btn" href="/projects">
        Back to projects
      </Link>
    </main>
  );
}
