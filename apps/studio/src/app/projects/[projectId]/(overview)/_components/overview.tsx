'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { ApiKeysCard } from './api-keys-card';
import { SetupGuide } from './setup-guide';

export function ProjectSettings({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const project = useQuery(trpc.project.get.queryOptions({ projectId }));
  const can = useCan();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [confirmName, setConfirmName] = useState('');
  useEffect(() => {
    if (project.data) {
      setName(project.data.name);
      setSlug(project.data.slug);
    }
  }, [project.data]);

  const rename = useMutation(
    trpc.project.rename.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.project.pathKey() });
        router.refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.project.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.project.pathKey() });
        router.push('/projects');
      },
    }),
  );
  if (project.isLoading) return <p>Loading…</p>;
  if (project.error) return <p role="alert">{errorMessage(project.error)}</p>;
  const errors = fieldErrors(rename.error);

  return (
    <div className="max-w-2xl space-y-6">
      <h1 className="text-2xl font-semibold">{project.data?.name}</h1>
      <SetupGuide projectId={projectId} />
      {!can('project.rename') && (
        <p className="text-sm text-slate-600">
          Only the project’s owners can rename or delete it, make API keys or manage members.
        </p>
      )}
      {can('project.rename') && (
        <section className="card space-y-3">
          <h2 className="font-semibold">Project settings</h2>
          <form
            className="space-y-3"
            onSubmit={(e) => {
              e.preventDefault();
              rename.mutate({ projectId, name, slug });
            }}
          >
            <div>
              <label className="label" htmlFor="rename-name">
                Project name
              </label>
              <input id="rename-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
              {errors.name && <p className="field-error">{errors.name}</p>}
            </div>
            <div>
              <label className="label" htmlFor="rename-slug">
                Web address of your shop (/app/…)
              </label>
              <input id="rename-slug" className="input" value={slug} onChange={(e) => setSlug(e.target.value)} />
              {errors.slug && <p className="field-error">{errors.slug}</p>}
            </div>
            <button className="btn" type="submit" disabled={rename.isPending}>
              Save
            </button>
            {rename.isSuccess && <p className="text-sm text-green-700">Saved.</p>}
            {rename.error && !errors.name && !errors.slug && (
              <p role="alert" className="field-error">
                {errorMessage(rename.error)}
              </p>
            )}
          </form>
        </section>
      )}
      {project.data && can('apiKeys.list') && <ApiKeysCard projectId={projectId} projectSlug={project.data.slug} />}
      {can('project.delete') && (
        <section className="card space-y-3 border-red-200">
          <h2 className="font-semibold text-red-700">Delete project</h2>
          <p className="text-sm text-slate-600">
            This deletes the project, its tables and data. Type <strong>{project.data?.name}</strong> to confirm.
          </p>
          <label className="label" htmlFor="confirm-delete">
            Project name to confirm deletion
          </label>
          <input
            id="confirm-delete"
            className="input"
            value={confirmName}
            onChange={(e) => setConfirmName(e.target.value)}
          />
          <button
            type="button"
            className="btn-danger"
            disabled={confirmName !== project.data?.name || remove.isPending}
            onClick={() => remove.mutate({ projectId, confirmName })}
          >
            Delete project
          </button>
          {remove.error && (
            <p role="alert" className="field-error">
              {errorMessage(remove.error)}
            </p>
          )}
        </section>
      )}
    </div>
  );
}
