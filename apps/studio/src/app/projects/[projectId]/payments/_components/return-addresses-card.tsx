'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

interface Props {
  projectId: number;
  settings: { returnOrigins: string[]; studioOrigin: string };
}

/** Which sites Checkout may send a buyer back to, besides the studio's own. */
export function ReturnAddressesCard({ projectId, settings }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState(settings.returnOrigins.join('\n'));
  const save = useMutation(
    trpc.payments.saveReturnOrigins.mutationOptions({
      onSuccess: (origins) => {
        setText(origins.join('\n'));
        return queryClient.invalidateQueries({ queryKey: trpc.payments.settings.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  return (
    <section className="card space-y-3" aria-labelledby="return-heading">
      <h2 id="return-heading" className="font-semibold">
        Return addresses
      </h2>
      <p className="text-sm text-slate-600">
        After paying, Stripe sends buyers back to a page of your app on {settings.studioOrigin}. If your own website
        starts payments through the API, list its address here; any other address is refused.
      </p>
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          const origins = text
            .split(/\s+/)
            .map((line) => line.trim())
            .filter(Boolean);
          save.mutate({ projectId, origins });
        }}
      >
        <label className="label" htmlFor="return-origins">
          Other websites allowed (one per line, e.g. https://shop.example.com)
        </label>
        <textarea
          id="return-origins"
          className="input min-h-20 font-mono text-sm"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {errors.origins && <p className="field-error">{errors.origins}</p>}
        <button className="btn" type="submit" disabled={save.isPending}>
          Save return addresses
        </button>
      </form>
      {save.isSuccess && <p className="text-sm text-green-700">Return addresses saved.</p>}
      {save.error && !errors.origins && (
        <p role="alert" className="field-error">
          {errorMessage(save.error)}
        </p>
      )}
    </section>
  );
}
