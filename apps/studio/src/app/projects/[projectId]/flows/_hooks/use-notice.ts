import { useMemo, useState } from 'react';

/** The one message line under the editor's toolbar: a refusal (alert) or news (status). */
export type Notice = { kind: 'error' | 'info'; text: string } | null;

export function useNotice() {
  const [notice, setNotice] = useState<Notice>(null);
  const say = useMemo(
    () => ({
      error: (text: string) => setNotice({ kind: 'error', text }),
      info: (text: string) => setNotice({ kind: 'info', text }),
      clear: () => setNotice(null),
    }),
    [],
  );
  return { notice, ...say };
}

export type NoticeActions = Omit<ReturnType<typeof useNotice>, 'notice'>;
