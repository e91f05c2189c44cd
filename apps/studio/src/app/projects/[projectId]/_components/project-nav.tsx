'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { projectSections } from './project-sections';

export function ProjectNav({ projectId, projectName }: { projectId: number; projectName: string }) {
  const pathname = usePathname();
  const base = `/projects/${projectId}`;
  return (
    <nav
      aria-label="Project"
      className="min-w-0 shrink-0 border-b border-slate-200 bg-white p-2 md:w-52 md:border-r md:border-b-0 md:p-3"
    >
      <p className="mb-1 truncate px-2 text-sm font-semibold md:mb-3" title={projectName}>
        {projectName}
      </p>
      {/* A phone gets one row that scrolls sideways on its own; the page itself never does. */}
      <ul className="flex gap-1 overflow-x-auto md:block md:space-y-1">
        {projectSections.map((section) => {
          const href = section.slug ? `${base}/${section.slug}` : base;
          const active = section.slug ? pathname.startsWith(href) : pathname === base;
          return (
            <li key={section.slug}>
              <Link
                href={href}
                aria-current={active ? 'page' : undefined}
                className={`block whitespace-nowrap rounded px-2 py-1.5 text-sm ${active ? 'bg-indigo-50 font-medium text-indigo-700' : 'text-slate-700 hover:bg-slate-100'}`}
              >
                {section.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
