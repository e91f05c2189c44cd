import { ProjectList } from './_components/project-list';

export default function ProjectsPage() {
  return (
    <main className="mx-auto max-w-4xl p-6">
      <ProjectList />
    </main>
  );
}
