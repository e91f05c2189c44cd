'use client';

import { useQuery } from '@tanstack/react-query';
import { CheckCircle2, Circle } from 'lucide-react';
import Link from 'next/link';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

/** The first thing on a project: what to do next, each step checked against what is really there. */
export function SetupGuide({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  // Re-read every few seconds: a shopper's payment or a flow's change ticks a step without a reload.
  const guide = useQuery({
    ...trpc.project.setupGuide.queryOptions({ projectId }),
    refetchOnMount: 'always',
    refetchInterval: 4000,
  });
  if (guide.error) return <p role="alert">{errorMessage(guide.error)}</p>;
  const steps = guide.data ?? [];
  const done = steps.filter((s) => s.done).length;
  return (
    <section className="card space-y-3" aria-labelledby="setup-guide-heading">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="setup-guide-heading" className="text-lg font-semibold">
          Set up your shop
        </h2>
        {steps.length > 0 && (
          <p className="text-sm text-slate-600">
            {done} of {steps.length} done
          </p>
        )}
      </div>
      {guide.isLoading && <p>Loading…</p>}
      <ol className="space-y-3" aria-label="Setup steps">
        {steps.map((step, i) => (
          <li
            key={step.id}
            className="flex gap-3"
            aria-label={`Step ${i + 1}: ${step.title}${step.done ? ', done' : ''}`}
          >
            {step.done ? (
              <CheckCircle2 aria-hidden className="mt-0.5 h-5 w-5 shrink-0 text-green-600" />
            ) : (
              <Circle aria-hidden className="mt-0.5 h-5 w-5 shrink-0 text-slate-400" />
            )}
            <div className="min-w-0">
              <p className="font-medium">
                {i + 1}. {step.title}
                {step.done && <span className="ml-2 text-sm font-normal text-green-700">Done</span>}
              </p>
              <p className="text-sm text-slate-700">{step.detail}</p>
              {step.href.startsWith('/app/') ? (
                <a className="text-sm text-indigo-700 underline" href={step.href} target="_blank" rel="noreferrer">
                  {step.linkText}
                </a>
              ) : (
                <Link className="text-sm text-indigo-700 underline" href={step.href}>
                  {step.linkText}
                </Link>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
