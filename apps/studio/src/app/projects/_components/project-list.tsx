'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { slugify } from '~/lib/project-validation';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

export function ProjectList() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.project.list.queryOptions());
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const create = useMutation(
    trpc.project.create.mutationOptions({
      onSuccess: async (project) => {
        await queryClient.invalidateQueries({ queryKey: trpc.project.list.queryKey() });
        router.push(`/projects/${project.id}`);
      },
    }),
  );
  const errors = fieldErrors(create.error);

  return (
    <div className="space-y-6">
      <section className="card">
        <h1 className="mb-3 text-lg font-semibold">New project</h1>
        <form
          className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, slug: slug || slugify(name) });
          }}
        >
          <div>
            <label className="label" htmlFor="project-name">
              Project name
            </label>
            <input
              id="project-name"
              className="input"
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                if (!slugTouched) setSlug(slugify(e.target.value));
              }}
            />
            {errors.name && <p className="field-error">{errors.name}</p>}
          </div>
          <div>
            <label className="label" htmlFor="project-slug">
              Web address of your shop (/app/…)
            </label>
            <input
              id="project-slug"
              className="input"
              value={slug}
              onChange={(e) => {
                setSlugTouched(true);
                setSlug(e.target.value);
              }}
            />
            {errors.slug && <p className="field-error">{errors.slug}</p>}
          </div>
          <button type="submit" className="btn" disabled={create.isPending}>
            Create project
          </button>
        </form>
        {create.error && !errors.name && !errors.slug && (
          <p role="alert" className="field-error">
            {errorMessage(create.error)}
          </p>
        )}
      </section>

      <section>
        <h2 className="mb-2 text-lg font-semibold">Your projects</h2>
        {list.isLoading && <p>Loading…</p>}
        {list.data?.length === 0 && <p className="text-slate-600">No projects yet. Create your first one above.</p>}
        <ul className="grid gap-3 sm:grid-cols-2" aria-label="Projects">
          {list.data?.map((p) => (
            <li key={p.id} className="card">
              <Link href={`/projects/${p.id}`} className="font-medium text-indigo-700 hover:underline">
                {p.name}
              </Link>
              <p className="text-sm text-slate-500">/app/{p.slug}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
