import { requireBuilder } from '~/server/auth';
import { TopBar } from './_components/top-bar';

export const dynamic = 'force-dynamic';

export default async function ProjectsLayout({ children }: { children: React.ReactNode }) {
  const user = await requireBuilder();
  return (
    <div className="min-h-screen">
      <TopBar email={user.email} />
      {children}
    </div>
  );
}
