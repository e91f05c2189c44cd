'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

interface Props {
  projectId: number;
  settings: { brandName: string | null; brandSlogan: string | null; brandLogo: string | null };
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function BrandingCard({ projectId, settings }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [brandName, setBrandName] = useState(settings.brandName ?? '');
  const [brandSlogan, setBrandSlogan] = useState(settings.brandSlogan ?? '');
  const [brandLogo, setBrandLogo] = useState<string | null>(settings.brandLogo);
  const save = useMutation(
    trpc.payments.saveBranding.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.payments.settings.queryKey() }),
    }),
  );
  const errors = fieldErrors(save.error);
  // Branding is build work (owners and editors); others see the fields disabled and no Save.
  const mayChange = useCan()('payments.saveBranding');
  return (
    <section className="card space-y-3" aria-labelledby="brand-heading">
      <h2 id="brand-heading" className="font-semibold">
        Checkout branding
      </h2>
      <form
        className="grid gap-3 sm:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (mayChange)
            save.mutate({ projectId, brandName: brandName || null, brandSlogan: brandSlogan || null, brandLogo });
        }}
      >
        <fieldset disabled={!mayChange} className="contents">
          <div>
            <label className="label" htmlFor="brand-name">
              Brand name
            </label>
            <input id="brand-name" className="input" value={brandName} onChange={(e) => setBrandName(e.target.value)} />
            {errors.brandName && <p className="field-error">{errors.brandName}</p>}
          </div>
          <div>
            <label className="label" htmlFor="brand-slogan">
              Slogan
            </label>
            <input
              id="brand-slogan"
              className="input"
              value={brandSlogan}
              onChange={(e) => setBrandSlogan(e.target.value)}
            />
            {errors.brandSlogan && <p className="field-error">{errors.brandSlogan}</p>}
          </div>
          <div>
            <label className="label" htmlFor="brand-logo">
              Logo (PNG, JPEG, SVG; under 200 KB)
            </label>
            <input
              id="brand-logo"
              className="input"
              type="file"
              accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setBrandLogo(await readAsDataUrl(file));
              }}
            />
            {errors.brandLogo && <p className="field-error">{errors.brandLogo}</p>}
          </div>
          <div className="flex items-end gap-3">
            {/* biome-ignore lint/performance/noImgElement: a data URL preview needs no optimisation */}
            {brandLogo && <img src={brandLogo} alt="Brand logo preview" className="h-10 w-10 rounded object-contain" />}
            {mayChange && (
              <button className="btn" type="submit" disabled={save.isPending}>
                Save branding
              </button>
            )}
          </div>
        </fieldset>
      </form>
      {save.isSuccess && <p className="text-sm text-green-700">Branding saved.</p>}
      {save.error && Object.keys(errors).length === 0 && (
        <p role="alert" className="field-error">
          {errorMessage(save.error)}
        </p>
      )}
    </section>
  );
}
